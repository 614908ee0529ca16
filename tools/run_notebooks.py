"""Execute notebooks top to bottom and store their outputs (figures, tables, printed checks) in them.

The notebooks are kept without outputs, so a page whose results are cell outputs (the table of `08_ttbar`)
shows nothing in the documentation until they are stored. This runs each notebook the way `nbdev_test`
does (execnb's `CaptureShell`, in the notebook's folder, skipping the cells flagged with a `tst_flags`
flag of settings.ini, cells with `#| eval: false` and `nbdev_export()` calls, and notebooks whose front
matter says `skip_exec`), stores the outputs and runs `nbdev_clean` on it, which keeps outputs since
settings.ini has `clear_all = False`. Outputs from an earlier run are cleared first, so what is stored
is exactly this run's; a notebook whose run fails is left unchanged.

Run it only on notebooks whose unflagged cells are quick and read committed results (`index`,
`08_ttbar`): their outputs are then the committed numbers.

    python tools/run_notebooks.py nbs/index.ipynb nbs/08_ttbar.ipynb
    python tools/run_notebooks.py nbs/08_ttbar.ipynb --flags slow   # also run the cells flagged slow
"""
import copy, os, sys, time
from pathlib import Path
from fastcore.basics import str2bool
from fastcore.script import call_parse, Param
from fastcore.xtras import working_directory
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from nbdev.config import get_config
from nbdev.clean import nbdev_clean
from nbdev.frontmatter import FrontmatterProc
from nbdev.process import NBProcessor, extract_directives, nb_lang


def skipped(cell, flags:set) -> bool:
    "Whether `nbdev_test` skips `cell`: not code, an `nbdev_export()` call, `#| eval: false`, or one of `flags`"
    if cell.cell_type != 'code': return True
    if 'nbdev_export' + '(' in cell.source: return True
    direc = extract_directives(copy.deepcopy(cell), remove=False)
    if direc.get('eval:', [''])[0].lower() == 'false': return True
    return bool(flags & direc.keys())



def skip_flags(force:str='') -> set:
    "The flags of settings.ini's `tst_flags` less those in `force`, as `nbdev_test --flags force` skips"
    return set(get_config().tst_flags.split()) - set(force.split())


def run_notebook(path:Path, # notebook to execute
                 flags:set, # cells carrying one of these directives are not run
                ) -> float:
    "Execute `path` in its folder and store its outputs; returns the seconds it took"
    path = Path(path).absolute()
    fm = getattr(NBProcessor(path, procs=FrontmatterProc, process=True).nb, 'frontmatter_', {})
    nb = read_nb(path)
    if str2bool(fm.get('skip_exec', False)) or nb_lang(nb) != 'python': raise ValueError(f'{path.name} is marked skip_exec or is not Python: nothing to run.')
    for cell in nb.cells:
        if cell.cell_type == 'code': cell.outputs, cell.execution_count = [], None
    start, shell = time.time(), CaptureShell(path)
    with working_directory(path.parent):
        try: shell.run_all(nb, exc_stop=True, preproc=lambda cell: skipped(cell, flags))
        except Exception:
            sys.stderr.write(shell.prettytb(fname=path) + '\n')
            raise RuntimeError(f'{path.name} failed; left unchanged.') from None
    write_nb(nb, path)
    nbdev_clean(fname=str(path))
    return time.time() - start


@call_parse
def main(paths:Param('Notebooks to execute', str, nargs='+'),
         flags:str='', # space-separated flags of `tst_flags` whose cells run anyway, as `nbdev_test --flags`
        ):
    "Execute `paths` top to bottom as `nbdev_test` does and store their outputs in them"
    os.environ['IN_TEST'] = '1'  # as nbdev_test sets it
    sys.path.insert(0, str(get_config().config_path))
    for p in paths: print(f'{p}: outputs stored, ran in {run_notebook(p, skip_flags(flags)):.1f} s')
