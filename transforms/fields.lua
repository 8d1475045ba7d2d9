-- fields: read and reshape document fields by dotted path ("metadata.word_count").
--
--   local fields = require "fields"
--   fields.get(doc, path)              value, or nil when any part is missing or null
--   fields.set(doc, path, value)       creates missing parent objects
--   fields.delete(doc, path)           removes the field; returns the old value
--   fields.rename(doc, path, new_name) renames the last part, same parent object
--   fields.move(doc, from, to)         moves a value to another path
--   fields.copy(doc, from, to)         deep copy (arrays stay arrays, objects objects)
--   fields.default(doc, path, value)   sets the field only when it is missing or null
--   fields.is_missing(v)               true for nil and ferry.null
--
-- A path segment that is a number indexes an array ("items.1.name", 1-based).
-- Missing fields and null parents are never an error: get returns nil, delete, rename,
-- move and copy do nothing. Only set (and the writes of move, copy, default) raise, when
-- a parent on the path is a string, number or array element that is not an object.
-- Mutators return doc, so calls can be chained or returned from a step.

local M = {}

local function is_missing(v)
  return v == nil or ferry.is_null(v)
end
M.is_missing = is_missing

local function is_container(v)
  return type(v) == "table"
end

-- Split "a.b.c" once per distinct path (steps call these per document).
local split_cache = {}
local function split(path)
  local parts = split_cache[path]
  if parts then return parts end
  if type(path) ~= "string" or path == "" then
    error("fields: path must be a non-empty string", 3)
  end
  parts = {}
  for part in (path .. "."):gmatch("([^.]*)%.") do
    if part == "" then error("fields: empty segment in path '" .. path .. "'", 3) end
    parts[#parts + 1] = part
  end
  split_cache[path] = parts
  return parts
end

-- The key a segment names inside container t: an integer for arrays.
local function key_in(t, part)
  if ferry.is_array(t) then
    local n = tonumber(part)
    return n and math.tointeger(n)
  end
  return part
end

-- Walk to the parent of the last segment. Returns parent, key (or nil when missing).
local function parent_of(doc, parts)
  local t = doc
  for i = 1, #parts - 1 do
    if not is_container(t) then return nil end
    local k = key_in(t, parts[i])
    if k == nil then return nil end
    t = t[k]
  end
  if not is_container(t) then return nil end
  local k = key_in(t, parts[#parts])
  if k == nil then return nil end
  return t, k
end

function M.get(doc, path)
  local parent, key = parent_of(doc, split(path))
  if not parent then return nil end
  local v = parent[key]
  if is_missing(v) then return nil end
  return v
end

-- Like parent_of, creating missing (or null) parent objects on the way.
local function ensure_parent(doc, path)
  local parts = split(path)
  local t = doc
  for i = 1, #parts - 1 do
    local k = key_in(t, parts[i])
    if k == nil then
      error("fields: '" .. parts[i] .. "' in '" .. path .. "' does not index an array", 3)
    end
    local child = t[k]
    if is_missing(child) then
      child = {}
      ferry.object(child)
      t[k] = child
    elseif not is_container(child) then
      error("fields: cannot set '" .. path .. "': '" .. parts[i] .. "' is a "
        .. type(child) .. ", not an object", 3)
    end
    t = child
  end
  local k = key_in(t, parts[#parts])
  if k == nil then
    error("fields: '" .. parts[#parts] .. "' in '" .. path .. "' does not index an array", 3)
  end
  return t, k
end

function M.set(doc, path, value)
  local parent, key = ensure_parent(doc, path)
  parent[key] = value
  return doc
end

-- Removing an array element shifts the following ones down (table.remove).
local function remove(parent, key)
  local old = parent[key]
  if ferry.is_array(parent) then
    if old ~= nil then table.remove(parent, key) end
  else
    parent[key] = nil
  end
  return old
end

function M.delete(doc, path)
  local parent, key = parent_of(doc, split(path))
  if not parent then return nil end
  return remove(parent, key)
end

function M.move(doc, from, to)
  if from == to then return doc end
  local parent, key = parent_of(doc, split(from))
  if not parent or parent[key] == nil then return doc end
  local value = parent[key]                     -- null moves as null
  local dest, dkey = ensure_parent(doc, to)
  remove(parent, key)
  dest[dkey] = value
  return doc
end

function M.rename(doc, path, new_name)
  if type(new_name) ~= "string" or new_name == "" or new_name:find(".", 1, true) then
    error("fields.rename: new name must be a non-empty name without dots", 2)
  end
  local parts = split(path)
  if #parts == 1 then return M.move(doc, path, new_name) end
  local prefix = path:sub(1, #path - #parts[#parts])  -- "a.b." of "a.b.c"
  return M.move(doc, path, prefix .. new_name)
end

-- Deep copy that keeps the JSON kind of every table.
local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, item in pairs(v) do out[k] = deep_copy(item) end
  if ferry.is_array(v) then ferry.array(out) else ferry.object(out) end
  return out
end
M.deep_copy = deep_copy

function M.copy(doc, from, to)
  local parent, key = parent_of(doc, split(from))
  if not parent or parent[key] == nil then return doc end
  return M.set(doc, to, deep_copy(parent[key]))
end

-- value may be a function(doc) computing the default only when it is needed.
function M.default(doc, path, value)
  local parent, key = parent_of(doc, split(path))
  if parent and not is_missing(parent[key]) then return doc end
  if type(value) == "function" then value = value(doc) end
  if value == nil then return doc end
  return M.set(doc, path, value)
end

return M
