"""Turbo-Sim: a generalised autoencoder with a physical latent space that simulates and unfolds collider events.

The public API is here at the top level, imported from its module on first use so that `import turbo_sim` stays
light (no PyTorch until a model is asked for):

- `TurboSim`, `load_model`: the model and the checkpoint loader (`turbo_sim.models`);
- `load_events`: the FDL/ROL event reader (`turbo_sim.data`);
- `reco_observables`: the reconstructed masses of a detector-level event (`turbo_sim.physics`);
- the metrics `ks_distance`, `wasserstein`, `classifier_auc`, `correlation_distance`, `evaluate`, `evaluate_file` (`turbo_sim.metrics`).

This file is the one module written by hand: `nbdev_export` only rewrites its `__version__` line (from settings.ini).
"""
__version__ = "0.1.0"

_API = dict(TurboSim='models', load_model='models', load_events='data', reco_observables='physics',
            ks_distance='metrics', wasserstein='metrics', classifier_auc='metrics', correlation_distance='metrics',
            evaluate='metrics', evaluate_file='metrics')
__all__ = ['__version__', *_API]

def __getattr__(name):
    "The public name `name`, imported from its module the first time it is asked for"
    if name not in _API: raise AttributeError(f"module 'turbo_sim' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f'turbo_sim.{_API[name]}'), name)
    globals()[name] = value
    return value

def __dir__(): return sorted([*globals(), *_API])
