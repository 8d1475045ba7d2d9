#ifndef FERRY_CURL_H
#define FERRY_CURL_H

// Swift cannot call C variadic functions, and curl_easy_setopt / curl_easy_getinfo are
// variadic: these thin, typed wrappers are the only way Swift talks to them. Everything
// else (curl_easy_init/perform/reset/cleanup, curl_slist_*) is called directly from Swift.

#include <curl/curl.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// curl's auth bitmasks are macros with casts that Swift does not import.
static const long FERRY_CURLAUTH_BASIC = (long)CURLAUTH_BASIC;

/// curl_global_init(CURL_GLOBAL_DEFAULT) exactly once per process, whichever thread asks first.
/// Returns the result of that one call.
CURLcode ferry_curl_global_init(void);

CURLcode ferry_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ferry_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ferry_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ferry_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);

/// Installs the write callback (CURLOPT_WRITEFUNCTION) and its argument (CURLOPT_WRITEDATA).
CURLcode ferry_curl_set_write_function(CURL *handle, curl_write_callback write, void *data);

CURLcode ferry_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode ferry_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode ferry_curl_getinfo_double(CURL *handle, CURLINFO info, double *value);

/// Appends one header line to a list; returns the new head, or NULL on allocation failure
/// (in which case `list` is left untouched and still owned by the caller).
struct curl_slist *ferry_curl_header_append(struct curl_slist *list, const char *line);

#ifdef __cplusplus
}
#endif

#endif
