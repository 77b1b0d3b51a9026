-- Example arkive consumer: an AO process that counts the rows of one data chunk of a release.
--
--   Count-Rows  Name=<dataset> [Version=<n>|latest] [Chunk=<index, default 0>]
--     1. asks the registry (global Registry) for Name@Version: Action=Get
--     2. on its Entry reply, reads the release manifest (arweave/paths 0.2.0) through WeaveDrive,
--        picks the Chunk-th data path in sorted order, reads that chunk, gunzips it (Inflate,
--        src/ao/inflate.lua), counts its JSON Lines
--     3. answers the original requester with Action=Row-Count, tags Name, Version, Chunk-Id, Rows
--        and Data {name, version, contentId, chunk, chunkId, rows}
--   or with Action=Count-Rows-Error, Error=<code>, Data {error, message}; codes: invalid,
--   not-configured (no Registry), not-found (registry Get-Error, or no such chunk),
--   not-available (WeaveDrive has no admissible data for an id), corrupt (manifest or gzip),
--   unsupported (the chunk is not .jsonl.gz), internal (any other Lua error).
--
-- Requires, loaded before or after this file: weavedrive-polyfill.lua (under wao) and inflate.lua.
-- The registry comes from the spawn tag Registry, or from Set-Registry sent by the process owner.
-- Answers are deferred (they need the registry's reply), so they go out with ao.send to the
-- requester, carrying X-Reference = the request's Reference as msg.reply would.
local json = require('json')

local function processTag(name)
  local tags = (ao.env and ao.env.Process and ao.env.Process.Tags) or {}
  if tags[name] ~= nil then return tags[name] end
  for _, t in ipairs(tags) do
    if type(t) == 'table' and t.name == name then return t.value end
  end
  return nil
end

local function isId(s) return type(s) == 'string' and #s == 43 and s:match('^[A-Za-z0-9_-]+$') ~= nil end

Registry = Registry or processTag('Registry')
-- Requests waiting for the registry, by the Reference of the Get sent for them.
PendingCounts = PendingCounts or {}

local function answerError(req, code, message)
  ao.send({
    Target = req.from,
    Action = 'Count-Rows-Error',
    Error = code,
    Name = req.name,
    ['X-Reference'] = req.reference,
    Data = json.encode({ error = code, message = message }),
  })
end

-- Data paths of a release: everything but the index (the card), under data/ (arkive's
-- writeSnapshot layout: data/<sha256>.jsonl.gz) or chunks/. Sorted, so an index is stable.
local function dataPaths(manifest)
  local indexPath = type(manifest.index) == 'table' and manifest.index.path or nil
  local out = {}
  for path, entry in pairs(manifest.paths) do
    if path ~= indexPath and (path:sub(1, 5) == 'data/' or path:sub(1, 7) == 'chunks/') and type(entry) == 'table' then
      out[#out + 1] = path
    end
  end
  table.sort(out)
  return out
end

local function countLines(text)
  local n, pos = 0, 1
  while true do
    local nl = text:find('\n', pos, true)
    if not nl then break end
    n, pos = n + 1, nl + 1
  end
  if pos <= #text then n = n + 1 end -- a last line without its "\n"
  return n
end

-- Returns the Row-Count fields, or nil, code, message.
local function countRows(req, entry)
  local drive = require('WeaveDrive')
  local inflate = Inflate or require('arkive.inflate')
  local contentId = entry.contentId
  if not isId(contentId) then return nil, 'corrupt', 'registry entry has no valid contentId' end

  local raw = drive.getData(contentId)
  if raw == nil then
    return nil, 'not-available', 'release manifest ' .. contentId .. ' is not available through WeaveDrive (not attested?)'
  end
  local ok, manifest = pcall(json.decode, raw)
  if not ok or type(manifest) ~= 'table' or manifest.manifest ~= 'arweave/paths' or type(manifest.paths) ~= 'table' then
    return nil, 'corrupt', 'content ' .. contentId .. ' is not an arweave/paths manifest'
  end

  local paths = dataPaths(manifest)
  local path = paths[req.chunk + 1]
  if not path then
    return nil, 'not-found', 'release ' .. contentId .. ' has ' .. #paths .. ' data chunk(s); there is no chunk ' .. req.chunk
  end
  if path:sub(-9) ~= '.jsonl.gz' then
    return nil, 'unsupported', 'chunk ' .. path .. ' is not gzip-compressed JSON Lines'
  end
  local chunkId = manifest.paths[path].id
  if not isId(chunkId) then return nil, 'corrupt', 'manifest path ' .. path .. ' has no valid id' end

  local gz = drive.getData(chunkId)
  if gz == nil then
    return nil, 'not-available', 'chunk ' .. path .. ' (' .. chunkId .. ') is not available through WeaveDrive (not attested?)'
  end
  local okGz, text = pcall(inflate.gunzip, gz)
  if not okGz then
    local message = tostring(text)
    if message:find('^corrupt gzip data') then return nil, 'corrupt', 'chunk ' .. path .. ': ' .. message end
    error(text, 0)
  end
  return {
    name = entry.name,
    version = entry.version,
    contentId = contentId,
    chunk = path,
    chunkId = chunkId,
    rows = countLines(text),
  }
end

Handlers.add('Set-Registry', 'Set-Registry', function(msg)
  if msg.From ~= Owner then
    return msg.reply({ Action = 'Set-Registry-Error', Error = 'unauthorised',
      Data = json.encode({ error = 'unauthorised', message = 'only the process owner can set the registry' }) })
  end
  if not isId(msg.Tags.Registry) then
    return msg.reply({ Action = 'Set-Registry-Error', Error = 'invalid',
      Data = json.encode({ error = 'invalid', message = 'Registry must be a 43-character process id' }) })
  end
  Registry = msg.Tags.Registry
  msg.reply({ Action = 'Registry-Set', Registry = Registry })
end)

Handlers.add('Count-Rows', 'Count-Rows', function(msg)
  local req = { from = msg.From, reference = msg.Reference, name = msg.Tags.Name, version = msg.Tags.Version }
  if type(req.name) ~= 'string' or req.name == '' then return answerError(req, 'invalid', 'Name is required') end
  local chunk = msg.Tags.Chunk or '0'
  if not chunk:match('^%d+$') or #chunk > 9 then
    return answerError(req, 'invalid', 'Chunk must be a non-negative integer, got "' .. chunk .. '"')
  end
  req.chunk = math.tointeger(tonumber(chunk))
  if not isId(Registry) then
    return answerError(req, 'not-configured', 'no registry: spawn with a Registry tag or send Set-Registry')
  end
  local sent = ao.send({ Target = Registry, Action = 'Get', Name = req.name, Version = req.version })
  local ref
  for _, t in ipairs(sent.Tags or {}) do
    if t.name == 'Reference' then ref = t.value end
  end
  PendingCounts[ref or tostring(ao.reference)] = req
end)

-- The registry's answers: msg.reply there sets X-Reference to the Reference of our Get.
local function fromRegistry(action)
  return function(msg) return msg.From == Registry and msg.Action == action end
end

local function takePending(msg)
  local ref = msg['X-Reference'] or msg.Tags['X-Reference']
  local req = ref and PendingCounts[ref]
  if req then PendingCounts[ref] = nil end
  return req
end

Handlers.add('Registry-Entry', fromRegistry('Entry'), function(msg)
  local req = takePending(msg)
  if not req then return print('Entry from the registry matches no pending Count-Rows') end
  local okEntry, entry = pcall(json.decode, msg.Data)
  if not okEntry or type(entry) ~= 'table' then return answerError(req, 'corrupt', 'registry entry is not JSON') end
  local ok, result, code, message = pcall(countRows, req, entry)
  if not ok then return answerError(req, 'internal', tostring(result)) end
  if not result then return answerError(req, code, message) end
  ao.send({
    Target = req.from,
    Action = 'Row-Count',
    Name = result.name,
    Version = tostring(result.version),
    ['Chunk-Id'] = result.chunkId,
    Rows = tostring(result.rows),
    ['X-Reference'] = req.reference,
    Data = json.encode(result),
  })
end)

Handlers.add('Registry-Get-Error', fromRegistry('Get-Error'), function(msg)
  local req = takePending(msg)
  if not req then return print('Get-Error from the registry matches no pending Count-Rows') end
  local okData, data = pcall(json.decode, msg.Data)
  local message = okData and type(data) == 'table' and data.message or msg.Data
  answerError(req, msg.Tags.Error or 'not-found', tostring(message))
end)
