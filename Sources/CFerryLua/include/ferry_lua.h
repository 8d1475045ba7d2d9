#pragma once
// Placeholder; replaced by the bridge.
int ferry_lua_placeholder(void);
