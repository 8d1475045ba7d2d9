#pragma once
int ferry_curl_placeholder(void);
