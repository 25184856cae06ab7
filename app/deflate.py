"""A frame's u8z grids packed in one compiled call: the filter, then a zlib stream of our own.

protocol.deflate_grid defines u8z: the differences to the left neighbour along each row, then
of those to the row above, mod 256, in a zlib stream (RFC 1950 around RFC 1951's deflate).
Smooth maps leave residuals that are mostly zeros and small values in short runs, for which
deflate needs no search for matches: runs of one byte (a match at distance 1, as zlib's Z_RLE
strategy does) and one block of Huffman codes fitted to the grid (as zlib's dynamic blocks).
Measured on the reference networks' 10 kB decision maps: about 35 us for filter and stream
where NumPy's filter and zlib level 1 took 55-110 us inside a frame, and 6-15 % smaller (the
size of zlib's Z_RLE). Any inflater reads it: the page's DecompressionStream, zlib here.

Everything compiled lives in this file (see app.nn.kernels: numba's cache checks only a
function's own file).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.nn.kernels import compiled, inlined, summing

U8 = NDArray[np.uint8]
Words = NDArray[np.uint32]
Ints = NDArray[np.int64]

MAX_BITS, CL_MAX_BITS = 15, 7  # the longest literal/length code, and code-length code
END_OF_BLOCK, MIN_RUN, MAX_RUN = 256, 3, 258  # deflate's matches are 3 to 258 bytes long
RUN = 256  # token RUN + L: a run of L bytes (a match at distance 1)
CL_ORDER = np.array([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15])
ADLER_MOD = 65521


def _length_table() -> tuple[Ints, Ints, Ints]:
    """For a run of 3..258 bytes: its length code (257..285), extra bits and their value."""
    code, bits, extra = (np.zeros(MAX_RUN + 1, dtype=np.int64) for _ in range(3))
    length, symbol = MIN_RUN, 257
    for group in range(6):  # 257-264 take no extra bits, then 4 codes per extra bit to 284
        n_extra = group
        for _ in range(8 if group == 0 else 4):
            for offset in range(1 << n_extra):
                code[length + offset], bits[length + offset] = symbol, n_extra
                extra[length + offset] = offset
            length, symbol = length + (1 << n_extra), symbol + 1
    code[MAX_RUN], bits[MAX_RUN], extra[MAX_RUN] = 285, 0, 0  # 258 has a code of its own
    return code, bits, extra


LENGTH_CODE, LENGTH_BITS, LENGTH_EXTRA = _length_table()


@compiled
def huffman_lengths(freq: Ints, limit: int, lengths: Ints) -> None:
    """lengths = the code lengths of a Huffman code for freq (0: unused), none over limit.

    Two queues (leaves by frequency, inner nodes as made) give an optimal tree; while it is
    too deep, halve the frequencies (a used symbol stays at least 1) and build again. A lone
    used symbol gets a partner, so the code is always complete (every inflater takes it).
    """
    f = freq.copy()
    lengths[:] = 0
    while True:
        used = np.nonzero(f)[0]
        m = used.shape[0]
        if m == 0:
            return
        if m == 1:
            lengths[used[0]] = 1
            lengths[1 if used[0] == 0 else 0] = 1
            return
        leaves = used[np.argsort(f[used], kind="mergesort")]  # (m,) by frequency
        weight = np.empty(2 * m - 1, dtype=np.int64)  # leaves, then inner nodes as made
        parent = np.empty(2 * m - 1, dtype=np.int64)
        for i in range(m):
            weight[i] = f[leaves[i]]
        leaf, inner = 0, m
        for node in range(m, 2 * m - 1):
            total = 0
            for _ in range(2):  # the lighter of the next leaf and the next inner node
                if leaf < m and (inner >= node or weight[leaf] <= weight[inner]):
                    child, leaf = leaf, leaf + 1
                else:
                    child, inner = inner, inner + 1
                parent[child] = node
                total += weight[child]
            weight[node] = total
        depth = np.zeros(2 * m - 1, dtype=np.int64)  # the root, 2m - 2, at depth 0
        for node in range(2 * m - 3, -1, -1):  # a parent comes after its children
            depth[node] = depth[parent[node]] + 1
        if depth[:m].max() <= limit:
            for i in range(m):
                lengths[leaves[i]] = depth[i]
            return
        for s in used:
            f[s] = (f[s] + 1) // 2


@compiled
def canonical_codes(lengths: Ints, codes: Ints) -> None:
    """codes = deflate's canonical code for each length (RFC 1951 3.2.2), bit-reversed: the
    stream is filled from each byte's low bit, a Huffman code from its high bit."""
    count = np.zeros(MAX_BITS + 2, dtype=np.int64)
    for n in lengths:
        count[n] += 1
    count[0] = 0
    next_code = np.zeros(MAX_BITS + 2, dtype=np.int64)
    code = 0
    for bits in range(1, MAX_BITS + 1):
        code = (code + count[bits - 1]) << 1
        next_code[bits] = code
    for s in range(lengths.shape[0]):
        n = lengths[s]
        codes[s] = 0
        if n:
            c, r = next_code[n], 0
            next_code[n] += 1
            for _ in range(n):
                r, c = (r << 1) | (c & 1), c >> 1
            codes[s] = r


@compiled
def _tokens(data: U8, tokens: NDArray[np.int32], lit_freq: Ints) -> int:
    """data as tokens: a byte b (token b), or a run of the byte before it, L more times (token
    RUN + L); counts each literal/length code in lit_freq. Returns the number of tokens."""
    n, count, i = data.shape[0], 0, 0
    while i < n:
        b = data[i]
        tokens[count], count, i = b, count + 1, i + 1
        lit_freq[b] += 1
        while True:  # runs of b, 258 bytes at most each
            run = 0
            while i + run < n and run < MAX_RUN and data[i + run] == b:
                run += 1
            if run < MIN_RUN:
                break
            tokens[count], count, i = RUN + run, count + 1, i + run
            lit_freq[LENGTH_CODE[run]] += 1
    lit_freq[END_OF_BLOCK] += 1
    return count


@compiled
def _code_length_symbols(lengths: Ints, symbols: Ints, extras: Ints, cl_freq: Ints) -> int:
    """The code-length sequence as symbols 0..18 (16: repeat the last 3-6 times, 17: 3-10
    zeros, 18: 11-138 zeros) with their extra bits' values. Returns the number of symbols."""
    total, count, i = lengths.shape[0], 0, 0
    while i < total:
        value, run = lengths[i], 1
        while i + run < total and lengths[i + run] == value:
            run += 1
        i += run
        if value != 0:  # the value once, then repeats of it
            symbols[count], extras[count], count, run = value, 0, count + 1, run - 1
        while run >= MIN_RUN:
            if value == 0:
                r = min(run, 138)
                symbols[count], extras[count] = (18, r - 11) if r >= 11 else (17, r - 3)
            else:
                r = min(run, 6)
                symbols[count], extras[count] = 16, r - 3
            count, run = count + 1, run - r
        for _ in range(run):
            symbols[count], extras[count], count = value, 0, count + 1
    for k in range(count):
        cl_freq[symbols[k]] += 1
    return count


@inlined
def _put(words: Words, state: tuple[int, Any, int], value: Any, width: int) -> tuple[int, Any, int]:
    """Append width (at most 32) bits of value, low bit first, to the stream in words (uint32,
    little-endian: bytes in stream order). state = (the word being filled, its pending bits as
    a uint64, how many: under 32). No branch: the word is stored every time, and the index
    steps on once it is full."""
    pos, acc, bits = state
    acc |= np.uint64(value) << np.uint64(bits)
    bits += width
    words[pos] = np.uint32(acc & np.uint64(0xFFFFFFFF))
    full = bits >> 5
    return pos + full, acc >> np.uint64(full << 5), bits & 31


@compiled
def _filter(grid: U8, data: U8) -> None:
    """u8z's filter: grid (c, rows, cols) -> data (c * rows * cols,), mod 256. (Measured: this
    plain form beats one with the first row and column split off, 5.9 us to 8.5 for 10 kB.)"""
    c, rows, cols = grid.shape
    k = 0
    for ch in range(c):
        for i in range(rows):
            for j in range(cols):
                v = np.int64(grid[ch, i, j])
                if j > 0:
                    v -= grid[ch, i, j - 1]
                if i > 0:
                    v -= np.int64(grid[ch, i - 1, j]) - (grid[ch, i - 1, j - 1] if j > 0 else 0)
                data[k] = v & 0xFF
                k += 1


@summing
def _adler32(data: U8) -> int:
    """Adler-32 of data: a = 1 + sum d[k], b = the sum of every a = n + sum (n - k) d[k].
    Per chunk of 2^16 bytes both sums are integers under 2^53, exact in float64 in any order,
    so the loop vectorizes; chunks combine in int64, mod 65521."""
    n = data.shape[0]
    a, b = 1, n % ADLER_MOD
    for start in range(0, n, 1 << 16):
        stop = min(n, start + (1 << 16))
        s0, s1 = 0.0, 0.0  # sum d[k], sum (k - start) d[k]
        for k in range(start, stop):
            d = float(data[k])
            s0 += d
            s1 += (k - start) * d
        a = (a + int(s0)) % ADLER_MOD
        b = (b + (n - start) % ADLER_MOD * int(s0) - int(s1)) % ADLER_MOD
    return int(b << 16 | a)


@compiled
def pack(grid: U8, words: Words) -> int:
    """u8z bytes of grid (c, rows, cols) into words (at least cells / 2 + 256 of them, 2 bytes
    a cell): a zlib header, one final deflate block with dynamic Huffman codes, the Adler-32
    of the filtered bytes. Returns the length in bytes."""
    n = grid.size
    data = np.empty(n, dtype=np.uint8)
    _filter(grid, data)
    tokens = np.empty(n + 1, dtype=np.int32)
    lit_freq = np.zeros(286, dtype=np.int64)
    n_tokens = _tokens(data, tokens, lit_freq)
    lit_len = np.zeros(286, dtype=np.int64)
    huffman_lengths(lit_freq, MAX_BITS, lit_len)
    lit_code = np.zeros(286, dtype=np.int64)
    canonical_codes(lit_len, lit_code)
    n_lit = 257
    for s in range(257, 286):
        if lit_len[s]:
            n_lit = s + 1
    # Two distance codes of one bit each (a complete code): only the first, distance 1, is used.
    lengths = np.zeros(n_lit + 2, dtype=np.int64)
    lengths[:n_lit] = lit_len[:n_lit]
    lengths[n_lit], lengths[n_lit + 1] = 1, 1
    symbols = np.empty(n_lit + 2, dtype=np.int64)
    extras = np.empty(n_lit + 2, dtype=np.int64)
    cl_freq = np.zeros(19, dtype=np.int64)
    n_symbols = _code_length_symbols(lengths, symbols, extras, cl_freq)
    cl_len = np.zeros(19, dtype=np.int64)
    huffman_lengths(cl_freq, CL_MAX_BITS, cl_len)
    cl_code = np.zeros(19, dtype=np.int64)
    canonical_codes(cl_len, cl_code)
    n_cl = 4
    for k in range(19):
        if cl_len[CL_ORDER[k]]:
            n_cl = max(n_cl, k + 1)

    put = (0, np.uint64(0), 0)
    put = _put(words, put, 0x78, 8)  # zlib: deflate, 32 kB window
    put = _put(words, put, 0x01, 8)  # (0x78 * 256 + 0x01) % 31 == 0, no dictionary
    put = _put(words, put, 1, 1)  # the final block
    put = _put(words, put, 2, 2)  # with dynamic Huffman codes
    put = _put(words, put, n_lit - 257, 5)
    put = _put(words, put, 1, 5)  # two distance codes
    put = _put(words, put, n_cl - 4, 4)
    for k in range(n_cl):
        put = _put(words, put, cl_len[CL_ORDER[k]], 3)
    for k in range(n_symbols):
        s = symbols[k]
        put = _put(words, put, cl_code[s], cl_len[s])
        if s >= 16:  # 2, 3 or 7 extra bits
            put = _put(words, put, extras[k], 2 if s == 16 else 3 if s == 17 else 7)
    # Each token's bits as one (value, width): a run is its length code, extra bits and
    # distance code 0 (one 0 bit), so the loop over tokens has no branch to mispredict.
    value = np.empty(RUN + MAX_RUN + 1, dtype=np.uint64)
    width = np.zeros(RUN + MAX_RUN + 1, dtype=np.int64)
    for b in range(256):
        value[b], width[b] = lit_code[b], lit_len[b]
    for run in range(MIN_RUN, MAX_RUN + 1):
        s, bits_in = LENGTH_CODE[run], lit_len[LENGTH_CODE[run]]
        value[RUN + run] = lit_code[s] | LENGTH_EXTRA[run] << bits_in
        width[RUN + run] = bits_in + LENGTH_BITS[run] + 1
    for k in range(n_tokens):
        t = tokens[k]
        put = _put(words, put, value[t], width[t])
    put = _put(words, put, lit_code[END_OF_BLOCK], lit_len[END_OF_BLOCK])
    put = _put(words, put, 0, (8 - put[2] % 8) % 8)  # to a whole byte
    adler = _adler32(data)
    a, b = adler & 0xFFFF, adler >> 16
    for byte in (b >> 8, b & 0xFF, a >> 8, a & 0xFF):  # big-endian
        put = _put(words, put, byte, 8)
    pos = 4 * put[0] + put[2] // 8
    return pos


def deflate(grid: U8) -> bytes:
    """grid (c, rows, cols) uint8 -> u8z bytes (compiled when numba is there: see jit.ready)."""
    words = np.empty(grid.size // 2 + 256, dtype=np.uint32)
    return words.view(np.uint8)[: pack(np.ascontiguousarray(grid), words)].tobytes()


def warm_up() -> None:
    """Compile (or load from numba's cache) pack."""
    deflate(np.zeros((1, 2, 2), dtype=np.uint8))
