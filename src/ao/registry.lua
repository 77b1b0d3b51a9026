-- arkive AO registry: name -> version -> entry for archived datasets and models.
-- Every reply goes through msg.reply with Data = JSON so any AO process or aoconnect client can read it.
-- Loaded by Eval, possibly more than once: globals use `X = X or ...` and Handlers.add replaces by name.
local json = require('json')

-- Tags are a name->value map under aos 2.x (wao included); older loaders gave a list of {name, value}.
local function processTag(name)
  local tags = (ao.env and ao.env.Process and ao.env.Process.Tags) or {}
  if tags[name] ~= nil then return tags[name] end
  for _, t in ipairs(tags) do
    if type(t) == 'table' and t.name == name then return t.value end
  end
  return nil
end

Registry = Registry or { entries = {} }
-- msg.Owner is the MU under wao (and a forwarder on real AO), so every check is on msg.From.
RegistryOwner = RegistryOwner or (processTag('Registry-Owner') or ao.env.Process.Owner)
Publishers = Publishers or { [RegistryOwner] = true }

local ID_PATTERN = '^[A-Za-z0-9_-]+$'
local NAME_PATTERN = '^[a-z0-9][a-z0-9-]*$' -- same as arkive's pipeline names, max 64 chars

local function isId(s) return type(s) == 'string' and #s == 43 and s:match(ID_PATTERN) ~= nil end
local function isName(s) return type(s) == 'string' and #s <= 64 and s:match(NAME_PATTERN) ~= nil end

-- Only canonical decimal integers: "01", "1.0", "1e3" and "-1" are refused so a version has one spelling.
local function parseVersion(s)
  if type(s) ~= 'string' or #s > 15 or not s:match('^[1-9]%d*$') then return nil end
  return math.tointeger(tonumber(s))
end

local function fail(msg, action, code, message)
  msg.reply({
    Action = action .. '-Error',
    Error = code,
    Data = json.encode({ error = code, message = message }),
  })
end

-- pairs() order is unspecified; sorting keeps replies deterministic across CUs.
local function sortedKeys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

local function latest(name)
  local versions = Registry.entries[name]
  if not versions then return nil end
  local best = nil
  for v in pairs(versions) do
    if best == nil or v > best then best = v end
  end
  return best and versions[best] or nil
end

-- Resolves Name + optional Version ("latest" or absent = newest); returns entry or nil, code, message.
local function lookup(msg)
  local name = msg.Tags.Name
  if not isName(name) then return nil, 'invalid', 'Name must match [a-z0-9][a-z0-9-]{0,63}' end
  local v = msg.Tags.Version
  local entry
  if v == nil or v == 'latest' then
    entry = latest(name)
  else
    local n = parseVersion(v)
    if not n then return nil, 'invalid', 'Version must be a positive integer or "latest", got "' .. v .. '"' end
    entry = Registry.entries[name] and Registry.entries[name][n]
  end
  if not entry then
    return nil, 'not-found', 'no entry for ' .. name .. '@' .. (v or 'latest')
  end
  return entry
end

-- First registered entry with this content id, scanning in name/version order for determinism.
local function byContentId(id)
  if not id then return nil end
  for _, name in ipairs(sortedKeys(Registry.entries)) do
    local versions = Registry.entries[name]
    for _, v in ipairs(sortedKeys(versions)) do
      if versions[v].contentId == id then return versions[v] end
    end
  end
  return nil
end

local function publisherList()
  return sortedKeys(Publishers)
end

Handlers.add('Register', 'Register', function(msg)
  if not Publishers[msg.From] then
    return fail(msg, 'Register', 'unauthorised', msg.From .. ' is not a registry publisher')
  end
  local t = msg.Tags
  if not isName(t.Name) then
    return fail(msg, 'Register', 'invalid', 'Name must match [a-z0-9][a-z0-9-]{0,63}')
  end
  local version = parseVersion(t.Version)
  if not version then
    return fail(msg, 'Register', 'invalid', 'Version must be a positive integer, got "' .. tostring(t.Version) .. '"')
  end
  if t.Kind ~= 'dataset' and t.Kind ~= 'model' then
    return fail(msg, 'Register', 'invalid', 'Kind must be "dataset" or "model", got "' .. tostring(t.Kind) .. '"')
  end
  if not isId(t['Content-Id']) then
    return fail(msg, 'Register', 'invalid', 'Content-Id must be a 43-character base64url id')
  end
  if type(t.Digest) ~= 'string' or not t.Digest:match('^sha256:' .. string.rep('[0-9a-f]', 64) .. '$') then
    return fail(msg, 'Register', 'invalid', 'Digest must be "sha256:" followed by 64 lowercase hex characters')
  end
  if t['Trained-On'] ~= nil and not isId(t['Trained-On']) then
    return fail(msg, 'Register', 'invalid', 'Trained-On must be a 43-character base64url id')
  end
  if t.Parent ~= nil and not isId(t.Parent) then
    return fail(msg, 'Register', 'invalid', 'Parent must be a 43-character base64url id')
  end

  local versions = Registry.entries[t.Name]
  local existing = versions and versions[version]
  if existing then
    if existing.contentId == t['Content-Id'] then
      return msg.reply({ Action = 'Registered', Status = 'exists', Data = json.encode(existing) })
    end
    return fail(msg, 'Register', 'conflict',
      t.Name .. '@' .. version .. ' is already registered with content id ' .. existing.contentId)
  end

  local entry = {
    name = t.Name,
    kind = t.Kind,
    version = version,
    contentId = t['Content-Id'],
    digest = t.Digest,
    trainedOn = t['Trained-On'],
    parent = t.Parent,
    publisher = msg.From,
    registeredAt = tonumber(msg.Timestamp),
  }
  Registry.entries[t.Name] = versions or {}
  Registry.entries[t.Name][version] = entry
  msg.reply({ Action = 'Registered', Status = 'created', Data = json.encode(entry) })
end)

Handlers.add('Get', 'Get', function(msg)
  local entry, code, message = lookup(msg)
  if not entry then return fail(msg, 'Get', code, message) end
  msg.reply({ Action = 'Entry', Data = json.encode(entry) })
end)

-- aos's json encodes an empty table as [] (checked in the tests), so an empty registry lists as [].
Handlers.add('List', 'List', function(msg)
  local out = {}
  local name = msg.Tags.Name
  if name == nil then
    for _, n in ipairs(sortedKeys(Registry.entries)) do out[#out + 1] = latest(n) end
  else
    local versions = Registry.entries[name]
    if not versions then return fail(msg, 'List', 'not-found', 'no entries for ' .. tostring(name)) end
    for _, v in ipairs(sortedKeys(versions)) do out[#out + 1] = versions[v] end
  end
  msg.reply({ Action = 'Entries', Data = json.encode(out) })
end)

-- Assembled by hand: a nil field would vanish from a Lua table, and clients expect an explicit null.
Handlers.add('Lineage', 'Lineage', function(msg)
  local entry, code, message = lookup(msg)
  if not entry then return fail(msg, 'Lineage', code, message) end
  local function enc(e) return e and json.encode(e) or 'null' end
  local dataset = entry.kind == 'model' and byContentId(entry.trainedOn) or nil
  local parent = byContentId(entry.parent)
  msg.reply({
    Action = 'Lineage',
    Data = '{"model":' .. json.encode(entry) .. ',"dataset":' .. enc(dataset) .. ',"parent":' .. enc(parent) .. '}',
  })
end)

Handlers.add('Add-Publisher', 'Add-Publisher', function(msg)
  if msg.From ~= RegistryOwner then
    return fail(msg, 'Add-Publisher', 'unauthorised', 'only the registry owner can add publishers')
  end
  local address = msg.Tags.Address
  if not isId(address) then
    return fail(msg, 'Add-Publisher', 'invalid', 'Address must be a 43-character base64url address')
  end
  Publishers[address] = true
  msg.reply({
    Action = 'Publisher-Added',
    Data = json.encode({ address = address, publishers = publisherList() }),
  })
end)

Handlers.add('Publishers', 'Publishers', function(msg)
  msg.reply({ Action = 'Publishers', Data = json.encode(publisherList()) })
end)
