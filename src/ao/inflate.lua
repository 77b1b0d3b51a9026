-- arkive inflate: gunzip in pure Lua 5.3 for AO processes (aos has no zlib).
-- RFC 1951 (stored, fixed and dynamic Huffman blocks) and RFC 1952 (gzip members, several
-- concatenated members, CRC-32 and ISIZE checked). Corrupt or truncated input raises an error
-- whose message starts with "corrupt gzip data: ".
--
--   local text = Inflate.gunzip(bytes)        -- or require('arkive.inflate').gunzip(bytes)
--
-- Loaded by Eval (possibly more than once, or concatenated with other sources): sets the global
-- Inflate and package.loaded['arkive.inflate'].
-- Working memory beyond the output string: a 32 KiB ring for the window, output leaves in 4 KiB strings.
Inflate = Inflate or (function()
  local byte, char, unpack, concat = string.byte, string.char, table.unpack, table.concat

  local function fail(why) error('corrupt gzip data: ' .. why, 0) end

  local CRC = {}
  for i = 0, 255 do
    local c = i
    for _ = 1, 8 do c = (c & 1 == 1) and (0xEDB88320 ~ (c >> 1)) or (c >> 1) end
    CRC[i] = c
  end

  -- Length symbols 257..285 and distance symbols 0..29: base values and extra bits.
  local LBASE = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 }
  local LEXT = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 }
  local DBASE = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 }
  local DEXT = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 }
  local CLORDER = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 }

  -- Canonical Huffman code from code lengths (lengths[0..n-1]) as a lookup table indexed by the
  -- next `maxlen` input bits (LSB first); entry = symbol << 4 | code length. Incomplete codes are
  -- allowed (RFC 1951 permits them for distances); their unused entries are nil.
  local function build(lengths, n)
    local count, maxlen = {}, 0
    for l = 0, 15 do count[l] = 0 end
    for s = 0, n - 1 do
      local l = lengths[s]
      count[l] = count[l] + 1
      if l > maxlen then maxlen = l end
    end
    local left = 1
    for l = 1, 15 do
      left = (left << 1) - count[l]
      if left < 0 then fail('over-subscribed Huffman code') end
    end
    local nextcode, code = {}, 0
    count[0] = 0
    for l = 1, 15 do
      code = (code + count[l - 1]) << 1
      nextcode[l] = code
    end
    local tbl, size = {}, 1 << maxlen
    for s = 0, n - 1 do
      local l = lengths[s]
      if l > 0 then
        local c, r = nextcode[l], 0
        nextcode[l] = c + 1
        for _ = 1, l do r = (r << 1) | (c & 1); c = c >> 1 end
        local entry = (s << 4) | l
        for i = r, size - 1, 1 << l do tbl[i] = entry end
      end
    end
    return { tbl = tbl, bits = maxlen }
  end

  local FIXED_LIT, FIXED_DIST
  local function fixedCodes()
    if not FIXED_LIT then
      local l = {}
      for s = 0, 287 do l[s] = (s < 144 and 8) or (s < 256 and 9) or (s < 280 and 7) or 8 end
      FIXED_LIT = build(l, 288)
      local d = {}
      for s = 0, 29 do d[s] = 5 end
      FIXED_DIST = build(d, 30)
    end
    return FIXED_LIT, FIXED_DIST
  end

  -- Inflates the raw deflate stream of s starting at byte pos. Returns the output, the position
  -- of the first byte after the stream, its CRC-32 and its length.
  local function inflate(s, pos)
    local bitbuf, bitcnt, pad = 0, 0, 0 -- pad: zero bits appended past the end of s
    local win, total, crc = {}, 0, 0xFFFFFFFF
    local obuf, k, pieces = {}, 0, {}

    local function need(n)
      while bitcnt < n do
        local b = byte(s, pos)
        if b then pos = pos + 1 else b = 0; pad = pad + 8 end
        bitbuf = bitbuf | (b << bitcnt)
        bitcnt = bitcnt + 8
      end
    end
    local function bits(n)
      need(n)
      local v = bitbuf & ((1 << n) - 1)
      bitbuf, bitcnt = bitbuf >> n, bitcnt - n
      if bitcnt < pad then fail('unexpected end of data') end
      return v
    end
    local function decode(code)
      need(code.bits)
      local e = code.tbl[bitbuf & ((1 << code.bits) - 1)]
      if not e then fail('invalid Huffman code') end
      local l = e & 15
      bitbuf, bitcnt = bitbuf >> l, bitcnt - l
      if bitcnt < pad then fail('unexpected end of data') end
      return e >> 4
    end
    local function put(b)
      total = total + 1
      win[total & 32767] = b
      crc = CRC[(crc ~ b) & 255] ~ (crc >> 8)
      k = k + 1
      obuf[k] = b
      if k == 4096 then pieces[#pieces + 1] = char(unpack(obuf, 1, k)); k = 0 end
    end
    -- Drops the bits left in the current byte and hands whole unread bytes back to s.
    local function align()
      pos = pos - ((bitcnt - pad) >> 3)
      bitbuf, bitcnt, pad = 0, 0, 0
    end

    local function codes(lit, dist)
      while true do
        local sym = decode(lit)
        if sym < 256 then
          put(sym)
        elseif sym == 256 then
          return
        else
          sym = sym - 256
          if sym > 29 then fail('invalid length symbol') end
          local len = LBASE[sym] + bits(LEXT[sym])
          local d = decode(dist) + 1
          if d > 30 then fail('invalid distance symbol') end
          d = DBASE[d] + bits(DEXT[d])
          if d > total then fail('distance ' .. d .. ' too far back') end
          for _ = 1, len do put(win[(total + 1 - d) & 32767]) end
        end
      end
    end

    local function dynamic()
      local nlen, ndist, ncode = bits(5) + 257, bits(5) + 1, bits(4) + 4
      if nlen > 286 or ndist > 30 then fail('too many length or distance codes') end
      local cl = {}
      for i = 0, 18 do cl[i] = 0 end
      for i = 1, ncode do cl[CLORDER[i]] = bits(3) end
      local clcode = build(cl, 19)
      local lengths, i = {}, 0
      while i < nlen + ndist do
        local sym, rep, val = decode(clcode), 1, nil
        if sym < 16 then
          val = sym
        elseif sym == 16 then
          if i == 0 then fail('repeat with no previous length') end
          val, rep = lengths[i - 1], 3 + bits(2)
        elseif sym == 17 then
          val, rep = 0, 3 + bits(3)
        else
          val, rep = 0, 11 + bits(7)
        end
        if i + rep > nlen + ndist then fail('too many code lengths') end
        for _ = 1, rep do lengths[i] = val; i = i + 1 end
      end
      if lengths[256] == 0 then fail('no end-of-block code') end
      local dl = {}
      for j = 0, ndist - 1 do dl[j] = lengths[nlen + j] end
      return build(lengths, nlen), build(dl, ndist)
    end

    repeat
      local last, btype = bits(1), bits(2)
      if btype == 0 then
        align()
        local a, b, c, d = byte(s, pos, pos + 3)
        if not d then fail('unexpected end of data') end
        local len = a | (b << 8)
        if len ~= (~(c | (d << 8)) & 0xFFFF) then fail('stored block length check failed') end
        pos = pos + 4
        if pos + len - 1 > #s then fail('unexpected end of data') end
        for j = pos, pos + len - 1 do put(byte(s, j)) end
        pos = pos + len
      elseif btype == 1 then
        codes(fixedCodes())
      elseif btype == 2 then
        codes(dynamic())
      else
        fail('invalid block type 3')
      end
    until last == 1
    align()
    if k > 0 then pieces[#pieces + 1] = char(unpack(obuf, 1, k)) end
    return concat(pieces), pos, crc ~ 0xFFFFFFFF, total
  end

  local function u32(s, pos)
    local a, b, c, d = byte(s, pos, pos + 3)
    if not d then fail('truncated trailer') end
    return a | (b << 8) | (c << 16) | (d << 24)
  end

  -- One gzip member at pos: returns its content and the position after it.
  local function member(s, pos)
    local id1, id2, cm, flg = byte(s, pos, pos + 3)
    if id1 ~= 31 or id2 ~= 139 then
      fail(pos == 1 and 'not gzip (bad magic bytes)' or ('trailing garbage at byte ' .. pos))
    end
    if cm ~= 8 then fail('unknown compression method ' .. tostring(cm)) end
    if flg & 0xE0 ~= 0 then fail('reserved header flags set') end
    if pos + 9 > #s then fail('truncated header') end
    pos = pos + 10
    if flg & 4 ~= 0 then -- FEXTRA
      local lo, hi = byte(s, pos, pos + 1)
      if not hi then fail('truncated header') end
      pos = pos + 2 + (lo | (hi << 8))
    end
    for _, f in ipairs({ 8, 16 }) do -- FNAME, FCOMMENT: zero-terminated
      if flg & f ~= 0 then
        local z = s:find('\0', pos, true)
        if not z then fail('truncated header') end
        pos = z + 1
      end
    end
    if flg & 2 ~= 0 then pos = pos + 2 end -- FHCRC
    if pos > #s then fail('truncated header') end
    local out, p, crc, size = inflate(s, pos)
    if u32(s, p) ~= crc then fail('CRC-32 mismatch') end
    if u32(s, p + 4) ~= size & 0xFFFFFFFF then fail('length (ISIZE) mismatch') end
    return out, p + 8
  end

  local function gunzip(s)
    if type(s) ~= 'string' then error('gunzip expects a string, got ' .. type(s), 2) end
    if #s == 0 then fail('empty input') end
    local parts, pos = {}, 1
    repeat
      parts[#parts + 1], pos = member(s, pos)
    until pos > #s
    return concat(parts)
  end

  local function rawInflate(s)
    if type(s) ~= 'string' then error('inflate expects a string, got ' .. type(s), 2) end
    return (inflate(s, 1))
  end

  return { gunzip = gunzip, inflate = rawInflate, _version = '1.0.0' }
end)()
package.loaded['arkive.inflate'] = Inflate
