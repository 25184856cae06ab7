"""app.deflate: its zlib streams inflate (with zlib itself) to u8z's filtered bytes, exactly."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from app import deflate
from app.nn import jit
from app.protocol import deflate_grid, filter_grid, inflate_grid

pytestmark = pytest.mark.skipif(not jit.available(), reason="numba missing or PLAYGROUND_NO_JIT=1")


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    jit.warm_up()  # compile (or load from the cache) once


def filtered(grid: np.ndarray) -> bytes:
    """u8z's two filters in NumPy (protocol.deflate_grid's fallback): the reference."""
    return filter_grid(grid).tobytes()


def smooth(rng: np.random.Generator, shape: tuple[int, int, int], roughness: float) -> np.ndarray:
    """A map like a decision map: running sums of noise, wrapped to bytes."""
    return (rng.normal(0, roughness, shape).cumsum(1).cumsum(2) % 256).astype(np.uint8)


def test_streams_inflate_to_the_filtered_cells() -> None:
    rng = np.random.default_rng(0)
    grids = [
        np.zeros((1, 100, 100), np.uint8),  # runs longer than deflate's 258 bytes
        np.full((2, 300, 300), 200, np.uint8),
        np.zeros((1, 1, 1), np.uint8),  # one symbol and the end of the block
        np.full((1, 1, 1), 7, np.uint8),
        np.arange(256, dtype=np.uint8).reshape(1, 16, 16),  # every byte value
        rng.integers(0, 256, (3, 50, 50)).astype(np.uint8),  # noise: long codes everywhere
        rng.integers(0, 2, (1, 100, 100)).astype(np.uint8) * 255,
    ]
    for _ in range(200):
        c, rows, cols = (int(v) for v in rng.integers(1, 60, 3))
        grids.append(smooth(rng, (c % 3 + 1, rows, cols), rng.uniform(0.05, 30)))
    for grid in grids:
        packed = deflate.deflate(grid)
        assert zlib.decompress(packed) == filtered(grid), grid.shape
        np.testing.assert_array_equal(inflate_grid(packed, list(grid.shape)), grid)


def test_codes_stay_within_deflates_limits_and_are_complete() -> None:
    fibonacci = [1, 1]
    while len(fibonacci) < 30:  # a Huffman tree 29 deep: too deep for deflate's 15 bits
        fibonacci.append(fibonacci[-1] + fibonacci[-2])
    for freq, limit in [(fibonacci, 15), (fibonacci[:19], 7), ([0, 5, 0], 15), ([3] * 286, 15)]:
        lengths = np.zeros(len(freq), dtype=np.int64)
        deflate.huffman_lengths(np.array(freq, dtype=np.int64), limit, lengths)
        assert lengths.max() <= limit
        used = lengths[lengths > 0]
        assert np.sum(2.0**-used) == 1.0  # complete: no code left over, none oversubscribed
        assert all(lengths[i] > 0 for i, f in enumerate(freq) if f > 0)


def test_adler32_matches_zlibs() -> None:
    rng = np.random.default_rng(2)
    for n in (0, 1, 5, 65535, 65536, 65537, 200_003):
        data = rng.integers(0, 256, n).astype(np.uint8)
        assert deflate._adler32(data) == zlib.adler32(data.tobytes())
    data = np.full(1_000_000, 255, np.uint8)  # the largest sums
    assert deflate._adler32(data) == zlib.adler32(data.tobytes())


def test_as_small_as_zlibs_run_length_strategy_and_smaller_than_level_1() -> None:
    rng = np.random.default_rng(3)
    for roughness in (0.05, 0.3, 1.0, 3.0):
        grid = smooth(rng, (1, 100, 100), roughness)
        ours = len(deflate.deflate(grid))
        packer = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
        rle = len(packer.compress(filtered(grid)) + packer.flush())
        assert ours <= rle + 8 and ours < len(zlib.compress(filtered(grid), 1)), roughness


def test_protocol_packs_through_it_once_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    grid = smooth(np.random.default_rng(4), (1, 100, 100), 0.5)
    assert jit.ready() and deflate_grid(grid) == deflate.deflate(grid)
    monkeypatch.setattr(jit, "ready", lambda: False)  # still compiling: zlib's, same cells
    np.testing.assert_array_equal(inflate_grid(deflate_grid(grid), [1, 100, 100]), grid)
