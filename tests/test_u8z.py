"""u8z: frames.deflate_grid's streams inflate (with zlib itself) to the filtered bytes, exactly."""

from __future__ import annotations

import zlib

import numpy as np

from app.frames import deflate_grid, filter_grid, inflate_grid


def filtered(grid: np.ndarray) -> bytes:
    """u8z's two filters in NumPy: the reference."""
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
        packed = deflate_grid(grid)
        assert zlib.decompress(packed) == filtered(grid), grid.shape
        np.testing.assert_array_equal(inflate_grid(packed, list(grid.shape)), grid)


def test_as_small_as_zlibs_run_length_strategy_and_smaller_than_level_1() -> None:
    rng = np.random.default_rng(3)
    for roughness in (0.05, 0.3, 1.0, 3.0):
        grid = smooth(rng, (1, 100, 100), roughness)
        ours = len(deflate_grid(grid))
        packer = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
        rle = len(packer.compress(filtered(grid)) + packer.flush())
        assert ours <= rle + 8 and ours < len(zlib.compress(filtered(grid), 1)), roughness
