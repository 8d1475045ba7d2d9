#include "ferry_curl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void ferry_buffer_init(ferry_buffer *buf) {
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    buf->oom = 0;
}

void ferry_buffer_reset(ferry_buffer *buf) {
    buf->len = 0;
    buf->oom = 0;
}

void ferry_buffer_free(ferry_buffer *buf) {
    free(buf->data);
    ferry_buffer_init(buf);
}

static int ferry_buffer_reserve(ferry_buffer *buf, size_t extra) {
    if (extra <= buf->cap - buf->len) return 1;
    size_t need = buf->len + extra;
    if (need < buf->len) return 0; /* overflow */
    size_t cap = buf->cap ? buf->cap : 16384;
    while (cap < need) {
        size_t next = cap * 2;
        if (next < cap) { cap = need; break; }
        cap = next;
    }
    unsigned char *data = realloc(buf->data, cap);
    if (!data) return 0;
    buf->data = data;
    buf->cap = cap;
    return 1;
}

static size_t ferry_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata) {
    ferry_buffer *buf = (ferry_buffer *)userdata;
    size_t n = size * nmemb;
    if (n == 0) return 0;
    if (!ferry_buffer_reserve(buf, n)) {
        buf->oom = 1;
        return 0; /* makes curl fail the transfer with CURLE_WRITE_ERROR */
    }
    memcpy(buf->data + buf->len, ptr, n);
    buf->len += n;
    return n;
}

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

CURLcode ferry_curl_set_write_buffer(CURL *handle, ferry_buffer *buf) {
    CURLcode rc = curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, ferry_write_cb);
    if (rc != CURLE_OK) return rc;
    return curl_easy_setopt(handle, CURLOPT_WRITEDATA, (void *)buf);
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
