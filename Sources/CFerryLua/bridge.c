int ferry_lua_placeholder(void) { return 0; }
