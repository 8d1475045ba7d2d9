-- dates: ISO-8601 dates and datetimes in pure Lua (the sandbox has no os.time/os.date).
--
--   local dates = require "dates"
--   dates.parse(s)        -> parts, or nil and a message
--   dates.format(parts)   -> canonical string
--   dates.canonical(s)    -> format(parse(s)), or nil and a message
--   dates.is_valid(s)     -> boolean
--   dates.to_epoch(v)     -> integer seconds since 1970-01-01T00:00:00Z (fraction dropped)
--   dates.from_epoch(n)   -> parts in UTC
--   dates.to_utc(v)       -> parts shifted to offset 0
--   dates.compare(a, b)   -> -1, 0 or 1 by instant, or nil and a message
--
-- Accepted: "2024-03-05", "2024-03-05T07:08", "2024-03-05T07:08:09", an optional
-- fraction ".123" (1-9 digits), an optional zone "Z", "+02:00", "+0200" or "+02".
-- "T" may be a space. Parts: { year, month, day, hour, min, sec, frac, offset, has_time }
-- where frac is the fraction's digits ("" for none) and offset is minutes east of UTC,
-- or nil when the string has no zone (treated as UTC for comparisons, like
-- Elasticsearch does). Functions taking `v` accept a string or parts.

local M = {}

local DAYS_IN_MONTH = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

local function is_leap(y)
  return y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)
end
M.is_leap = is_leap

local function days_in_month(y, m)
  if m == 2 and is_leap(y) then return 29 end
  return DAYS_IN_MONTH[m]
end
M.days_in_month = days_in_month

function M.parse(s)
  if type(s) ~= "string" then return nil, "not a string" end
  local y, mo, d, pos = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)()")
  if not y then return nil, "expected YYYY-MM-DD: " .. s end
  local t = { year = tonumber(y), month = tonumber(mo), day = tonumber(d),
              hour = 0, min = 0, sec = 0, frac = "", offset = nil, has_time = false }
  if t.month < 1 or t.month > 12 then return nil, "month out of range: " .. s end
  if t.day < 1 or t.day > days_in_month(t.year, t.month) then
    return nil, "day out of range: " .. s
  end
  if pos > #s then return t end

  local h, mi, rest = s:match("^[T ](%d%d):(%d%d)()", pos)
  if not h then return nil, "expected THH:MM: " .. s end
  t.has_time, t.hour, t.min, pos = true, tonumber(h), tonumber(mi), rest
  local sec, after = s:match("^:(%d%d)()", pos)
  if sec then
    t.sec, pos = tonumber(sec), after
    local frac, after_frac = s:match("^[.,](%d+)()", pos)
    if frac then
      if #frac > 9 then return nil, "fraction longer than 9 digits: " .. s end
      t.frac, pos = frac, after_frac
    end
  end
  if t.hour > 23 or t.min > 59 or t.sec > 59 then return nil, "time out of range: " .. s end

  local zone = s:sub(pos)
  if zone == "Z" then
    t.offset = 0
  elseif zone ~= "" then
    local sign, oh, om = zone:match("^([+-])(%d%d):?(%d%d)$")
    if not sign then
      sign, oh = zone:match("^([+-])(%d%d)$")
      om = "00"
    end
    if not sign then return nil, "bad zone '" .. zone .. "': " .. s end
    oh, om = tonumber(oh), tonumber(om)
    if oh > 23 or om > 59 then return nil, "zone out of range: " .. s end
    t.offset = (sign == "-" and -1 or 1) * (oh * 60 + om)
  end
  return t
end

function M.is_valid(s)
  return M.parse(s) ~= nil
end

local function as_parts(v)
  if type(v) == "table" then return v end
  return M.parse(v)
end

function M.format(t)
  local out = string.format("%04d-%02d-%02d", t.year, t.month, t.day)
  if not t.has_time then return out end
  out = out .. string.format("T%02d:%02d:%02d", t.hour, t.min, t.sec)
  if t.frac and t.frac ~= "" then out = out .. "." .. t.frac end
  local off = t.offset
  if off == nil then return out end
  if off == 0 then return out .. "Z" end
  local sign = off < 0 and "-" or "+"
  off = math.abs(off)
  return out .. string.format("%s%02d:%02d", sign, off // 60, off % 60)
end

function M.canonical(s)
  local t, err = M.parse(s)
  if not t then return nil, err end
  return M.format(t)
end

-- Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = z // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m, d
end

function M.to_epoch(v)
  local t, err = as_parts(v)
  if not t then return nil, err end
  local days = days_from_civil(t.year, t.month, t.day)
  return days * 86400 + t.hour * 3600 + t.min * 60 + t.sec - (t.offset or 0) * 60
end

function M.from_epoch(n)
  n = math.tointeger(n)
  if not n then error("dates.from_epoch: expected integer seconds", 2) end
  local days, secs = n // 86400, n % 86400
  local y, m, d = civil_from_days(days)
  return { year = y, month = m, day = d, hour = secs // 3600, min = secs % 3600 // 60,
           sec = secs % 60, frac = "", offset = 0, has_time = true }
end

function M.to_utc(v)
  local t, err = as_parts(v)
  if not t then return nil, err end
  local u = M.from_epoch(M.to_epoch(t))
  u.frac = t.frac or ""
  return u
end

-- Fractions compare as nanoseconds: ".5" == ".500".
local function nanos(t)
  local f = t.frac or ""
  return tonumber((f .. "000000000"):sub(1, 9))
end

function M.compare(a, b)
  local ta, erra = as_parts(a)
  if not ta then return nil, erra end
  local tb, errb = as_parts(b)
  if not tb then return nil, errb end
  local ea, eb = M.to_epoch(ta), M.to_epoch(tb)
  if ea == eb then ea, eb = nanos(ta), nanos(tb) end
  if ea < eb then return -1 elseif ea > eb then return 1 end
  return 0
end

return M
