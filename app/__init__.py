"""MLP Playground: a NumPy multi-layer perceptron trained live for a web page.

One BLAS thread per process, unless the environment says otherwise, for every way in (`python
-m app`, `uvicorn app.main:app`, the engine from Python), set here before anything loads NumPy:
the matrices are small, and a second thread only adds hand-offs (docs/benchmarks.md); the
server runs one process per core instead.
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
