#include "ferry_curl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t ferry_global_once = PTHREAD_ONCE_INIT;
static CURLcode ferry_global_result = CURLE_OK;

static void ferry_global_init_once(void) {
    ferry_global_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

CURLcode ferry_curl_global_init(void) {
    pthread_once(&ferry_global_once, ferry_global_init_once);
    return ferry_global_result;
}

CURLcode ferry_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode ferry_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode ferry_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode ferry_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode ferry_curl_set_write_function(CURL *handle, curl_write_callback write, void *data) {
    CURLcode rc = curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, write);
    if (rc != CURLE_OK) return rc;
    return curl_easy_setopt(handle, CURLOPT_WRITEDATA, data);
}

CURLcode ferry_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLcode ferry_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLcode ferry_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

struct curl_slist *ferry_curl_header_append(struct curl_slist *list, const char *line) {
    return curl_slist_append(list, line);
}
