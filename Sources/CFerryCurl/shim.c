int ferry_curl_placeholder(void) { return 0; }
