#!/usr/bin/env lua5.4
-- lua-harness: run a recipe's Lua steps against its fixtures with plain lua5.4.
--
--   lua5.4 scripts/lua-harness.lua [--show] [--selftest] recipes/blog_posts [fixture.json ...]
--
-- A development aid for recipe and transforms/ authors, not the engine: ferry's C bridge
-- and sandbox are the reference. It mimics them closely enough to catch mistakes early:
--   * a `ferry` global: null sentinel, array/object marks, is_array, is_null;
--   * steps and modules run in a sandbox env (base without load/loadfile/dofile, string,
--     table, math, utf8, coroutine) where reading or writing an undefined global is an
--     error (stricter than the engine: it catches typos and accidental globals);
--   * `require` finds "a.b" as a/b.lua in the recipe folder, then in transforms/;
--   * lookups: the recipe's `sql` scripts are parsed (CREATE TABLE + INSERT only);
--     a SQL NULL reads as ferry.null; keys must be strings or integers; ctx is read-only;
--   * JSON with ferry's conventions: integers stay integers, floats floats, arrays
--     marked, null = ferry.null; an unmarked table encodes as an object;
--   * every step's output is checked against mappings/<to>.json (strict: unmapped
--     fields and wrongly typed values fail the fixture).
-- Fixtures: tests/*.json, one case each:
--   {"description", "from", "to", "run_started_at"?, "id"?, "input",
--    "expected" | "expect": "drop" | "expect_error": "substring"}
-- --show prints each fixture's actual output (canonical JSON, sorted keys).
-- --selftest also runs a few checks of the transforms/ modules.
-- --ndjson FILE [--from V] [--to V] runs every source line of a bulk NDJSON file (as written
-- by scripts/generate-blog-posts.py) through the steps instead of the fixtures, and
-- reports errors, drops and mapping problems (the first few of each) and the time taken.

local HERE = (arg[0]:match("^(.*)/[^/]*$") or ".")
local ROOT = HERE .. "/.."

------------------------------------------------------------------------------------------
-- ferry global
------------------------------------------------------------------------------------------

-- The engine's null is a lightuserdata, which pure Lua cannot make. A coroutine is the
-- closest stand-in: not a table or string, so a script that indexes null or concatenates
-- it fails here as it would in the engine.
local NULL = coroutine.create(function() end)
local ARRAY_MT = { __name = "ferry.array" }
local OBJECT_MT = { __name = "ferry.object" }

local ferry = {
  null = NULL,
  array = function(t)
    t = t or {}
    if type(t) ~= "table" then error("ferry.array: expected a table", 2) end
    return setmetatable(t, ARRAY_MT)
  end,
  object = function(t)
    t = t or {}
    if type(t) ~= "table" then error("ferry.object: expected a table", 2) end
    return setmetatable(t, OBJECT_MT)
  end,
  is_array = function(v) return type(v) == "table" and getmetatable(v) == ARRAY_MT end,
  is_null = function(v) return v == NULL end,
}

------------------------------------------------------------------------------------------
-- JSON
------------------------------------------------------------------------------------------

local json = {}

local function decode_error(s, i, msg)
  error(string.format("JSON: %s at byte %d near '%s'", msg, i, s:sub(i, i + 20)), 0)
end

local ESCAPES = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n",
                  r = "\r", t = "\t" }

local decode_value

local function skip(s, i)
  return s:find("[^ \t\r\n]", i) or #s + 1
end

local function decode_string(s, i)               -- s[i] == '"'
  local out, j = {}, i + 1
  while true do
    local k = s:find('["\\]', j)
    if not k then decode_error(s, i, "unterminated string") end
    out[#out + 1] = s:sub(j, k - 1)
    if s:sub(k, k) == '"' then return table.concat(out), k + 1 end
    local e = s:sub(k + 1, k + 1)
    if e == "u" then
      local hex = s:match("^%x%x%x%x", k + 2)
      if not hex then decode_error(s, k, "bad \\u escape") end
      local cp, nxt = tonumber(hex, 16), k + 6
      if cp >= 0xD800 and cp <= 0xDBFF then     -- surrogate pair
        local lo = s:match("^\\u(%x%x%x%x)", nxt)
        lo = lo and tonumber(lo, 16)
        if lo and lo >= 0xDC00 and lo <= 0xDFFF then
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
          nxt = nxt + 6
        end
      end
      out[#out + 1] = utf8.char(cp)
      j = nxt
    elseif ESCAPES[e] then
      out[#out + 1] = ESCAPES[e]
      j = k + 2
    else
      decode_error(s, k, "bad escape")
    end
  end
end

local function decode_number(s, i)
  local num, nxt = s:match("^(-?%d+%.?%d*[eE]?[-+]?%d*)()", i)
  if not num then decode_error(s, i, "bad number") end
  local v = tonumber(num)
  if v == nil then decode_error(s, i, "bad number") end
  if not num:find("[.eE]") then v = math.tointeger(v) or v end   -- overflow -> float
  return v, nxt
end

function decode_value(s, i)
  i = skip(s, i)
  local c = s:sub(i, i)
  if c == "{" then
    local obj = ferry.object({})
    i = skip(s, i + 1)
    if s:sub(i, i) == "}" then return obj, i + 1 end
    while true do
      i = skip(s, i)
      if s:sub(i, i) ~= '"' then decode_error(s, i, "expected a key") end
      local key
      key, i = decode_string(s, i)
      i = skip(s, i)
      if s:sub(i, i) ~= ":" then decode_error(s, i, "expected ':'") end
      obj[key], i = decode_value(s, i + 1)
      i = skip(s, i)
      local d = s:sub(i, i)
      if d == "}" then return obj, i + 1 end
      if d ~= "," then decode_error(s, i, "expected ',' or '}'") end
      i = i + 1
    end
  elseif c == "[" then
    local arr = ferry.array({})
    i = skip(s, i + 1)
    if s:sub(i, i) == "]" then return arr, i + 1 end
    while true do
      arr[#arr + 1], i = decode_value(s, i)
      i = skip(s, i)
      local d = s:sub(i, i)
      if d == "]" then return arr, i + 1 end
      if d ~= "," then decode_error(s, i, "expected ',' or ']'") end
      i = i + 1
    end
  elseif c == '"' then
    return decode_string(s, i)
  elseif s:find("^true", i) then return true, i + 4
  elseif s:find("^false", i) then return false, i + 5
  elseif s:find("^null", i) then return NULL, i + 4
  else
    return decode_number(s, i)
  end
end

function json.decode(s)
  local v, i = decode_value(s, 1)
  if skip(s, i) <= #s then decode_error(s, i, "trailing data") end
  return v
end

local function encode_string(s)
  if not utf8.len(s) then error("JSON: string is not valid UTF-8", 0) end
  return '"' .. s:gsub('[%c"\\]', function(c)
    local map = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r",
                  ["\t"] = "\\t", ["\b"] = "\\b", ["\f"] = "\\f" }
    return map[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

local function encode_float(x)
  if x ~= x or x == math.huge or x == -math.huge then
    error("JSON: cannot encode " .. tostring(x), 0)
  end
  local s
  for digits = 14, 17 do                         -- shortest text that round-trips
    s = string.format("%." .. digits .. "g", x)
    if tonumber(s) == x then break end
  end
  if not s:find("[.eE]") then s = s .. ".0" end
  return s
end

-- Canonical JSON: sorted keys; `indent` (a string) pretty-prints.
local function encode(v, indent, depth, path)
  depth, path = depth or 0, path or "$"
  local t = type(v)
  if v == NULL then return "null"
  elseif t == "string" then return encode_string(v)
  elseif t == "boolean" then return tostring(v)
  elseif t == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    return encode_float(v)
  elseif t ~= "table" then
    error("JSON: cannot encode a " .. t .. " at " .. path, 0)
  end
  local nl, pad, pad_in, colon = "", "", "", ":"
  if indent then
    nl, pad, pad_in, colon = "\n", indent:rep(depth), indent:rep(depth + 1), ": "
  end
  local parts = {}
  if ferry.is_array(v) then
    local n = #v
    for k in pairs(v) do
      if math.type(k) ~= "integer" or k < 1 or k > n then
        error("JSON: array at " .. path .. " has a non-sequence key " .. tostring(k), 0)
      end
    end
    if n == 0 then return "[]" end
    for i = 1, n do
      parts[i] = pad_in .. encode(v[i], indent, depth + 1, path .. "[" .. i .. "]")
    end
    return "[" .. nl .. table.concat(parts, "," .. nl) .. nl .. pad .. "]"
  end
  local keys = {}
  for k in pairs(v) do
    if type(k) ~= "string" then
      error("JSON: object at " .. path .. " has a " .. type(k) .. " key " .. tostring(k)
        .. " (a list must be wrapped with ferry.array)", 0)
    end
    keys[#keys + 1] = k
  end
  if #keys == 0 then return "{}" end
  table.sort(keys)
  for i, k in ipairs(keys) do
    parts[i] = pad_in .. encode_string(k) .. colon
      .. encode(v[k], indent, depth + 1, path .. "." .. k)
  end
  return "{" .. nl .. table.concat(parts, "," .. nl) .. nl .. pad .. "}"
end
json.encode = encode

-- Deep equality with JSON kinds: integer ~= float, array ~= object, null is null.
local function json_equal(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) == "number" then return math.type(a) == math.type(b) and a == b end
  if type(a) ~= "table" then return a == b end
  if ferry.is_array(a) ~= ferry.is_array(b) then return false end
  for k, v in pairs(a) do
    if not json_equal(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

------------------------------------------------------------------------------------------
-- Files
------------------------------------------------------------------------------------------

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local s = f:read("a")
  f:close()
  return s
end

local function list_json(dir)
  local names = {}
  local p = io.popen('ls -1 "' .. dir .. '" 2>/dev/null')
  for line in p:lines() do
    if line:match("%.json$") then names[#names + 1] = dir .. "/" .. line end
  end
  p:close()
  table.sort(names)
  return names
end

------------------------------------------------------------------------------------------
-- Sandbox
------------------------------------------------------------------------------------------

local function copy_lib(lib, without)
  local t = {}
  for k, v in pairs(lib) do
    if not (without and without[k]) then t[k] = v end
  end
  return t
end

local function new_sandbox(recipe_dir)
  local env = {
    assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs,
    pcall = pcall, xpcall = xpcall, select = select, tonumber = tonumber,
    tostring = tostring, type = type, rawequal = rawequal, rawget = rawget,
    rawlen = rawlen, rawset = rawset, getmetatable = getmetatable,
    setmetatable = setmetatable, _VERSION = _VERSION,
    print = function(...)
      local parts = table.pack(...)
      for i = 1, parts.n do parts[i] = tostring(parts[i]) end
      io.stderr:write("[lua] ", table.concat(parts, "\t", 1, parts.n), "\n")
    end,
    string = copy_lib(string, { dump = true }), table = copy_lib(table), math = copy_lib(math),
    utf8 = copy_lib(utf8), coroutine = copy_lib(coroutine),
    ferry = ferry,
  }
  env._G = env
  local search = recipe_dir .. "/?.lua;" .. ROOT .. "/transforms/?.lua"
  local loaded = {}
  env.require = function(name)
    if type(name) ~= "string" then error("require: module name must be a string", 2) end
    if loaded[name] ~= nil then return loaded[name] end
    local path, err = package.searchpath(name, search)
    if not path then error("module '" .. name .. "' not found:" .. err, 2) end
    local chunk, lerr = loadfile(path, "t", env)
    if not chunk then error(lerr, 2) end
    local result = chunk(name, path)
    if result == nil then result = true end
    loaded[name] = result
    return result
  end
  -- Strict globals: reading an unknown global or creating one is an error.
  setmetatable(env, {
    __index = function(_, k) error("undefined global '" .. tostring(k) .. "'", 2) end,
    __newindex = function(_, k) error("assignment to global '" .. tostring(k) .. "'", 2) end,
  })
  return env
end

------------------------------------------------------------------------------------------
-- Lookups: a tiny SQL reader for CREATE TABLE and INSERT INTO ... VALUES
------------------------------------------------------------------------------------------

-- Split a SQL script into statements, dropping comments, keeping quoted text intact.
local function sql_statements(sql)
  local stmts, cur, i, n = {}, {}, 1, #sql
  while i <= n do
    local c = sql:sub(i, i)
    if c == "'" then
      local j = i + 1
      while true do
        local k = sql:find("'", j, true)
        if not k then error("SQL: unterminated string") end
        if sql:sub(k + 1, k + 1) == "'" then j = k + 2 else j = k; break end
      end
      cur[#cur + 1] = sql:sub(i, j)
      i = j + 1
    elseif sql:sub(i, i + 1) == "--" then
      i = (sql:find("\n", i, true) or n) + 1
    elseif c == ";" then
      stmts[#stmts + 1] = table.concat(cur)
      cur, i = {}, i + 1
    else
      cur[#cur + 1] = c
      i = i + 1
    end
  end
  local rest = table.concat(cur)
  if rest:find("%S") then stmts[#stmts + 1] = rest end
  return stmts
end

-- Parse "(v, v, ...)" tuples of SQL literals starting at position i.
local function sql_tuples(s, i)
  local rows = {}
  while true do
    i = s:find("%S", i)
    if not i or s:sub(i, i) ~= "(" then break end
    local row = {}
    i = i + 1
    while true do
      i = s:find("%S", i)
      local c = s:sub(i, i)
      if c == "'" then
        local parts, j = {}, i + 1
        while true do
          local k = s:find("'", j, true)
          parts[#parts + 1] = s:sub(j, k - 1)
          if s:sub(k + 1, k + 1) == "'" then parts[#parts + 1] = "'"; j = k + 2
          else i = k + 1; break end
        end
        row[#row + 1] = table.concat(parts)
      elseif s:find("^[Nn][Uu][Ll][Ll]", i) then
        row[#row + 1] = NULL
        i = i + 4
      else
        local num, nxt = s:match("^(-?[%d.eE+-]+)()", i)
        if not num then error("SQL: cannot read value near '" .. s:sub(i, i + 20) .. "'") end
        local v = tonumber(num)
        row[#row + 1] = num:find("[.eE]") and v or math.tointeger(v)
        i = nxt
      end
      i = s:find("%S", i)
      local d = s:sub(i, i)
      i = i + 1
      if d == ")" then break end
      if d ~= "," then error("SQL: expected ',' or ')'") end
    end
    rows[#rows + 1] = row
    i = s:find("%S", i)
    if not i or s:sub(i, i) ~= "," then break end
    i = i + 1
  end
  return rows
end

local function load_sql(sql)
  local tables = {}          -- name -> { columns = {...}, rows = {...} }
  for _, stmt in ipairs(sql_statements(sql)) do
    local name, body = stmt:match("^%s*[Cc][Rr][Ee][Aa][Tt][Ee]%s+[Tt][Aa][Bb][Ll][Ee]%s+"
      .. "[%w_ ]-([%w_]+)%s*(%b())")
    if name then
      local cols = {}
      for def in body:sub(2, -2):gmatch("[^,]+") do
        local col = def:match("^%s*([%w_]+)")
        local upper = col and col:upper()
        if col and upper ~= "PRIMARY" and upper ~= "UNIQUE" and upper ~= "FOREIGN"
            and upper ~= "CHECK" and upper ~= "CONSTRAINT" then
          cols[#cols + 1] = col
        end
      end
      tables[name] = { columns = cols, rows = {} }
    else
      local tname, rest = stmt:match("^%s*[Ii][Nn][Ss][Ee][Rr][Tt]%s+[Ii][Nn][Tt][Oo]%s+"
        .. "([%w_]+)%s*(.*)$")
      if not tname then error("SQL: unsupported statement: " .. stmt:sub(1, 60)) end
      local t = tables[tname] or error("SQL: unknown table " .. tname)
      local cols = t.columns
      local list, after = rest:match("^(%b())%s*()")
      if list then
        cols = {}
        for col in list:gmatch("[%w_]+") do cols[#cols + 1] = col end
        rest = rest:sub(after)
      end
      local pos = rest:match("^[Vv][Aa][Ll][Uu][Ee][Ss]()")
      if not pos then error("SQL: expected VALUES in " .. stmt:sub(1, 60)) end
      for _, values in ipairs(sql_tuples(rest, pos)) do
        local row = {}
        for k, col in ipairs(cols) do row[col] = values[k] end
        t.rows[#t.rows + 1] = row
      end
    end
  end
  return tables
end

------------------------------------------------------------------------------------------
-- Mapping check
------------------------------------------------------------------------------------------

local dates_for_check                          -- transforms/dates.lua, loaded lazily

local INT_RANGE = {
  byte = { -128, 127 }, short = { -32768, 32767 },
  integer = { -2147483648, 2147483647 }, long = { math.mininteger, math.maxinteger },
}

local function check_value(v, prop, path, problems)
  if v == NULL then return end
  if ferry.is_array(v) then
    for i, item in ipairs(v) do check_value(item, prop, path .. "[" .. i .. "]", problems) end
    return
  end
  local ty = prop.type or (prop.properties and "object")
  local function bad(what) problems[#problems + 1] = path .. ": " .. what end
  if ty == "object" then
    if type(v) ~= "table" then return bad("expected an object, got " .. type(v)) end
    for k, item in pairs(v) do
      local p = prop.properties and prop.properties[k]
      if not p then bad("field '" .. tostring(k) .. "' is not mapped (dynamic: strict)")
      else check_value(item, p, path .. "." .. tostring(k), problems) end
    end
  elseif ty == "text" or ty == "keyword" then
    if type(v) ~= "string" then bad(ty .. " field holds a " .. type(v)) end
  elseif ty == "date" then
    if math.type(v) == "integer" then return end             -- epoch_millis
    if type(v) ~= "string" or not dates_for_check.is_valid(v) then
      bad("not a valid date: " .. tostring(v))
    end
  elseif INT_RANGE[ty] then
    if math.type(v) ~= "integer" then return bad(ty .. " field holds " .. encode(v)) end
    if v < INT_RANGE[ty][1] or v > INT_RANGE[ty][2] then bad(ty .. " out of range") end
  elseif ty == "float" or ty == "double" or ty == "half_float" or ty == "scaled_float" then
    if type(v) ~= "number" then bad(ty .. " field holds a " .. type(v)) end
  elseif ty == "boolean" then
    if type(v) ~= "boolean" then bad("boolean field holds a " .. type(v)) end
  end
end

local function check_mapping(doc, mapping)
  local problems = {}
  check_value(doc, { properties = mapping.mappings.properties }, "$", problems)
  return problems
end

------------------------------------------------------------------------------------------
-- Recipe
------------------------------------------------------------------------------------------

local function load_recipe(dir)
  local env = new_sandbox(dir)
  local chunk, err = loadfile(dir .. "/recipe.lua", "t", env)
  if not chunk then error(err, 0) end
  local recipe = chunk()
  assert(type(recipe) == "table", "recipe.lua must return a table")
  for _, key in ipairs({ "name", "aliases", "versions", "steps" }) do
    assert(recipe[key], "recipe.lua: missing '" .. key .. "'")
  end

  recipe.dir, recipe.env = dir, env
  dates_for_check = env.require("dates")

  recipe.mappings = {}
  for _, version in ipairs(recipe.versions) do
    local path = dir .. "/mappings/" .. version .. ".json"
    local text = assert(read_file(path))
    recipe.mappings[version] = json.decode(text)
  end

  for _, step in ipairs(recipe.steps) do
    local path = dir .. "/" .. step.script
    local chunk2, lerr = loadfile(path, "t", env)
    if not chunk2 then error(lerr, 0) end
    step.fn = chunk2()
    assert(type(step.fn) == "function", step.script .. " must return a function")
  end

  recipe.lookup_tables = {}
  for name, spec in pairs(recipe.lookups or {}) do
    local sql = assert(read_file(dir .. "/" .. assert(spec.sql, "lookup without sql")))
    local t = assert(load_sql(sql)[spec.table], "no table " .. tostring(spec.table))
    local index = {}
    for _, row in ipairs(t.rows) do index[tostring(row[spec.key])] = row end
    recipe.lookup_tables[name] = index
  end
  return recipe
end

-- Shortest chain of steps from one version to another (breadth-first).
local function find_path(recipe, from, to)
  if from == to then return {} end
  local prev, queue, seen = {}, { from }, { [from] = true }
  while #queue > 0 do
    local v = table.remove(queue, 1)
    for _, step in ipairs(recipe.steps) do
      if step.from == v and not seen[step.to] then
        seen[step.to], prev[step.to] = true, step
        if step.to == to then
          local path, cur = {}, to
          while cur ~= from do table.insert(path, 1, prev[cur]); cur = prev[cur].from end
          return path
        end
        queue[#queue + 1] = step.to
      end
    end
  end
  return nil
end

local function lookup_fn(recipe)
  return function(name, key)
    local index = recipe.lookup_tables[name]
    if not index then error("unknown lookup table '" .. tostring(name) .. "'", 2) end
    -- Like the engine: a key must be a string or an integer (an integral float counts).
    if math.type(key) == "float" then key = math.tointeger(key) or key end
    if type(key) ~= "string" and math.type(key) ~= "integer" then
      error("lookup key must be a string or integer, got "
        .. (key == NULL and "ferry.null" or math.type(key) or type(key)), 2)
    end
    local row = index[tostring(key)]
    if not row then return nil end
    local copy = {}
    for k, v in pairs(row) do copy[k] = v end
    return copy
  end
end

-- The engine hands scripts a read-only ctx.
local function readonly(t)
  return setmetatable({}, {
    __index = t,
    __newindex = function(_, k) error("ctx is read-only (tried to set ctx." .. tostring(k) .. ")", 2) end,
    __metatable = "ferry.ctx",
  })
end

------------------------------------------------------------------------------------------
-- Fixtures
------------------------------------------------------------------------------------------

-- Run a fixture; returns ok, message, actual (the output doc, "drop" or an error string).
local function run_fixture(recipe, fx)
  local path = find_path(recipe, fx.from, fx.to)
  if not path then return false, "no step path " .. fx.from .. " -> " .. fx.to end
  local doc = fx.input
  local err
  for _, step in ipairs(path) do
    local ctx = {
      id = fx.id or "fixture", index = recipe.aliases.read .. "-" .. step.from,
      from = step.from, to = step.to,
      run_started_at = fx.run_started_at or "2026-01-01T00:00:00Z",
      lookup = lookup_fn(recipe),
    }
    local ok, result = pcall(step.fn, doc, readonly(ctx))
    if not ok then err = tostring(result); break end
    if result == nil then doc = nil; break end
    if type(result) ~= "table" or ferry.is_array(result) then
      return false, step.script .. " returned a " .. type(result) .. ", not a document"
    end
    doc = result
    local problems = check_mapping(doc, recipe.mappings[step.to])
    if #problems > 0 then
      return false, "output of " .. step.script .. " does not fit mappings/" .. step.to
        .. ".json:\n      " .. table.concat(problems, "\n      "), doc
    end
  end

  if fx.expect_error then
    if not err then return false, "expected an error containing '" .. fx.expect_error .. "'", doc end
    if not err:find(fx.expect_error, 1, true) then
      return false, "error '" .. err .. "' does not contain '" .. fx.expect_error .. "'", err
    end
    return true, nil, err
  end
  if err then return false, "error: " .. err, err end
  if fx.expect == "drop" then
    if doc ~= nil then return false, "expected the document to be dropped", doc end
    return true, nil, "drop"
  end
  if doc == nil then return false, "document was dropped", "drop" end
  if fx.expected == nil then return false, "fixture has no expected/expect/expect_error", doc end
  if not json_equal(doc, fx.expected) then
    return false, "output differs\n    expected: " .. encode(fx.expected)
      .. "\n    actual:   " .. encode(doc), doc
  end
  return true, nil, doc
end

------------------------------------------------------------------------------------------
-- Bulk run
------------------------------------------------------------------------------------------

local function run_ndjson(recipe, file, from, to)
  local path = find_path(recipe, from, to)
  if not path then print("no step path " .. from .. " -> " .. to); return false end
  local f = assert(io.open(file, "rb"))
  local docs, failed, dropped, shown, n = 0, 0, 0, 0, 0
  local started, in_steps = os.clock(), 0.0
  for line in f:lines() do
    n = n + 1
    -- Skip bulk action lines; everything else is a source document.
    if not line:find('^%s*{%s*"index"%s*:') and line:find("%S") then
      docs = docs + 1
      local doc, problem = json.decode(line), nil
      for _, step in ipairs(path) do
        local ctx = { id = "line-" .. n, index = recipe.aliases.read .. "-" .. step.from,
                      from = step.from, to = step.to, run_started_at = "2026-01-01T00:00:00Z",
                      lookup = lookup_fn(recipe) }
        local t0 = os.clock()
        local ok, result = pcall(step.fn, doc, readonly(ctx))
        in_steps = in_steps + (os.clock() - t0)
        if not ok then problem = "error: " .. tostring(result); break end
        if result == nil then dropped = dropped + 1; doc = nil; break end
        doc = result
        local problems = check_mapping(doc, recipe.mappings[step.to])
        if #problems > 0 then problem = table.concat(problems, "; "); break end
        local enc_ok, enc_err = pcall(encode, doc)
        if not enc_ok then problem = "encode: " .. tostring(enc_err); break end
      end
      if problem then
        failed = failed + 1
        if shown < 5 then shown = shown + 1; print("FAIL line " .. n .. ": " .. problem) end
      end
    end
  end
  f:close()
  local secs = os.clock() - started
  print(string.format("%d documents %s -> %s: %d failed, %d dropped; %.2f s CPU in all, "
    .. "%.2f s in the steps (%.1f us/doc)", docs, from, to, failed, dropped, secs, in_steps,
    in_steps / math.max(docs, 1) * 1e6))
  return failed == 0
end

------------------------------------------------------------------------------------------
-- Self-test of transforms/
------------------------------------------------------------------------------------------

local function selftest(env)
  local text, dates, fields = env.require("text"), env.require("dates"), env.require("fields")
  local failures, count = 0, 0
  local function eq(got, want, what)
    count = count + 1
    if not json_equal(got, want) then
      failures = failures + 1
      print(string.format("  selftest FAIL %s: got %s, want %s", what,
        encode(got == nil and NULL or got), encode(want == nil and NULL or want)))
    end
  end
  local A = ferry.array
  -- text
  eq(text.normalise("  a \t\n b  "), "a b", "normalise whitespace")
  eq(text.normalise("<p>Hello <b>world</b>!</p><p>Bye</p>"), "Hello world! Bye", "normalise html")
  eq(text.normalise("x<3 and a < b &amp; c &#233;&#x1F600;"), "x<3 and a < b & c é😀", "entities")
  eq(text.normalise("a<script>var x = '<p>';</script>b"), "a b", "script dropped")
  eq(text.normalise("a\u{A0}\u{3000}b"), "a b", "unicode spaces")
  eq(text.normalise(nil), "", "normalise nil")
  eq(text.normalise(NULL), "", "normalise null")
  eq(text.normalise("bad \xff byte"), "bad \u{FFFD} byte", "invalid utf-8")
  eq(text.hashtags("#a #b #A #c1 #1 C# x#y ##d #日本 #café #🚀", 10),
     A { "a", "b", "c1", "d", "日本", "café" }, "hashtags")
  eq(text.hashtags("#a #b #c", 2), A { "a", "b" }, "hashtags limit")
  eq(text.hashtags('<span style="color:#fff">#real</span>', 5), A { "real" }, "hashtags html")
  eq(text.hashtags(nil, 5), A {}, "hashtags nil")
  eq(text.hashtags("#a#b é#c —#d (#e) #f.", 9), A { "a", "d", "e", "f" }, "hashtags boundaries")
  eq(text.hashtags("#ok \xff#bad", 9), A { "ok", "bad" }, "hashtags invalid utf-8")
  eq(text.normalise(" a "), "a", "trim single spaces")
  eq(text.normalise("x\u{2003}\u{2003}y\u{202F}z"), "x y z", "em/narrow spaces")
  eq(text.categorize("The API\u{2019}s new docs"), "technology", "categorize curly apostrophe")
  eq(text.categorize("How-to: hands-on review of hands on"), "review", "categorize phrases")
  eq(text.categorize("el perro y el gato"), "general", "categorize none")
  eq(text.language("el perro y el gato"), "es", "language after categorize (cache)")
  eq(text.word_count("Hello, world! don't state-of-the-art — 😀"), 4, "word_count ascii-ish")
  eq(text.word_count("日本語のテキスト and more"), 10, "word_count cjk")
  eq(text.word_count("  "), 0, "word_count blank")
  eq(text.reading_time("", 200), 0, "reading_time empty")
  eq(text.reading_time("word", 200), 1, "reading_time min 1")
  eq(text.reading_time(("w "):rep(401), 200), 2, "reading_time 401")
  eq(text.categorize("A step by step guide to Python"), "tutorial", "categorize tutorial")
  eq(text.categorize("capital ideas"), "general", "categorize whole words")
  eq(text.categorize("New release of the API"), "technology", "categorize tie order")
  eq(text.language("the cat is on the mat"), "en", "language en")
  eq(text.language("el gato y los perros de la casa"), "es", "language es")
  eq(text.language("le chat et les chiens"), "fr", "language fr")
  eq(text.language("der Hund und die Katze"), "de", "language de")
  eq(text.language("日本語のテキストです"), "ja", "language ja")
  eq(text.language("中文博客文章"), "zh", "language zh")
  eq(text.language("한국어 블로그 글"), "ko", "language ko")
  -- dates
  eq(dates.canonical("2024-02-29"), "2024-02-29", "date only")
  eq(dates.canonical("2024-02-29 10:00"), "2024-02-29T10:00:00", "no zone")
  eq(dates.canonical("2024-02-29T10:00:00.5+0000"), "2024-02-29T10:00:00.5Z", "zone Z")
  eq(dates.canonical("2024-02-29T10:00:00-05"), "2024-02-29T10:00:00-05:00", "zone -05")
  eq(dates.is_valid("2023-02-29"), false, "not leap")
  eq(dates.is_valid("2024-13-01"), false, "month 13")
  eq(dates.is_valid("2024-01-01T24:00:00Z"), false, "hour 24")
  eq(dates.is_valid(nil), false, "nil date")
  eq(dates.to_epoch("1970-01-01T00:00:00Z"), 0, "epoch 0")
  eq(dates.to_epoch("2000-03-01T00:00:00+01:00"), 951865200, "epoch offset")
  eq(dates.format(dates.from_epoch(951865200)), "2000-02-29T23:00:00Z", "from_epoch")
  eq(dates.format(dates.to_utc("2024-01-01T01:30:00+02:00")), "2023-12-31T23:30:00Z", "to_utc")
  eq(dates.compare("2024-01-01T00:00:00+01:00", "2023-12-31T23:00:00Z"), 0, "compare equal")
  eq(dates.compare("2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00.499Z"), 1, "compare frac")
  eq(dates.compare("2024-01-01", "2024-01-02T00:00:00Z"), -1, "compare date only")
  -- fields
  local d = { a = { b = 1 }, n = NULL, arr = A { { x = 1 }, { x = 2 } } }
  eq(fields.get(d, "a.b"), 1, "get")
  eq(fields.get(d, "n.x"), nil, "get through null")
  eq(fields.get(d, "missing.x"), nil, "get missing")
  eq(fields.get(d, "arr.2.x"), 2, "get array index")
  fields.set(d, "n.y", 3)
  eq(d.n, { y = 3 }, "set through null")
  fields.move(d, "a.b", "c.d.e")
  eq(d.a, {}, "move leaves parent")
  eq(d.c, { d = { e = 1 } }, "move creates path")
  fields.rename(d, "c.d.e", "f")
  eq(d.c.d, { f = 1 }, "rename")
  fields.copy(d, "arr", "arr2")
  eq(d.arr2, A { { x = 1 }, { x = 2 } }, "copy keeps array")
  eq(d.arr2 ~= d.arr, true, "copy is deep")
  fields.default(d, "n.y", 9)
  fields.default(d, "z", 0)
  eq(d.n.y, 3, "default keeps")
  eq(d.z, 0, "default sets")
  eq(fields.delete(d, "arr.1"), { x = 1 }, "delete array element")
  eq(#d.arr, 1, "delete shifts")
  eq(fields.delete(d, "nope.nope"), nil, "delete missing")
  eq(pcall(fields.set, { s = "str" }, "s.x", 1), false, "set through string fails")
  print(string.format("selftest: %d/%d checks passed", count - failures, count))
  return failures == 0
end

------------------------------------------------------------------------------------------
-- Main
------------------------------------------------------------------------------------------

local function main(argv)
  local show, do_selftest, recipe_dir, files = false, false, nil, {}
  local opts, i = {}, 1
  while i <= #argv do
    local a = argv[i]
    if a == "--ndjson" or a == "--from" or a == "--to" then
      opts[a:sub(3)] = argv[i + 1]
      i = i + 1
    elseif a == "--show" then show = true
    elseif a == "--selftest" then do_selftest = true
    elseif a:sub(1, 2) == "--" then io.stderr:write("unknown option " .. a .. "\n"); return 2
    elseif not recipe_dir then recipe_dir = a:gsub("/$", "")
    else files[#files + 1] = a end
    i = i + 1
  end
  if not recipe_dir then
    io.stderr:write("usage: lua5.4 scripts/lua-harness.lua [--show] [--selftest] "
      .. "recipes/<name> [fixture.json ...]\n"
      .. "       lua5.4 scripts/lua-harness.lua recipes/<name> --ndjson FILE --from V --to V\n")
    return 2
  end

  local ok, recipe = pcall(load_recipe, recipe_dir)
  if not ok then io.stderr:write("cannot load recipe: " .. tostring(recipe) .. "\n"); return 1 end

  local all_ok = true
  if do_selftest then all_ok = selftest(recipe.env) end
  if opts.ndjson then
    local from, to = opts.from or recipe.versions[1], opts.to or recipe.versions[#recipe.versions]
    return (run_ndjson(recipe, opts.ndjson, from, to) and all_ok) and 0 or 1
  end

  if #files == 0 then files = list_json(recipe_dir .. "/tests") end
  local passed = 0
  for _, file in ipairs(files) do
    local name = file:match("[^/]+$")
    local ok_load, fx = pcall(function() return json.decode(assert(read_file(file))) end)
    local pass, msg, actual
    if not ok_load then
      pass, msg = false, "cannot read fixture: " .. tostring(fx)
    else
      local ok_run, p, m, a = pcall(run_fixture, recipe, fx)
      if ok_run then pass, msg, actual = p, m, a else pass, msg = false, "harness: " .. tostring(p) end
    end
    print(string.format("%s %s%s", pass and "PASS" or "FAIL", name,
      (fx and type(fx) == "table" and fx.description) and ("  -- " .. fx.description) or ""))
    if msg then print("    " .. msg) end
    if show and actual ~= nil then
      print("    actual: " .. (type(actual) == "string" and actual or encode(actual)))
    end
    if pass then passed = passed + 1 else all_ok = false end
  end
  print(string.format("%d/%d fixtures passed", passed, #files))
  return all_ok and 0 or 1
end

os.exit(main(arg))
