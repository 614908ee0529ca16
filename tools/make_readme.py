"""Write README.md from nbs/index.ipynb, the docs home (what `nbdev_readme` does where Quarto is installed).

What the site shows, the README shows:
- Markdown cells are copied;
- a code cell becomes a ```python block without its `#|` directives, followed by its stored Markdown outputs
  (`text/markdown`, e.g. from `IPython.display.Markdown`): the tables and numbers the index reads from `results/`;
- a cell marked `#| echo: false` gives its Markdown outputs only, without its code (Quarto hides that code too);
- a cell marked `#| hide` gives nothing (nbdev removes it from the site).
Paths relative to nbs/ become paths relative to the repository root: `../data/...` -> `data/...`, and a link to a
file beside the index, `](08_ttbar.ipynb)` -> `](nbs/08_ttbar.ipynb)`.

The numbers come from the stored outputs, so after the results change run the index first:

    python tools/run_notebooks.py nbs/index.ipynb   # store the index's outputs (reads results/)
    python tools/make_readme.py                      # rewrite README.md
    python tools/make_readme.py --check              # exit 1 if README.md is out of date
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def directives(src):
    "{name: value} of the `#| name: value` lines of a cell's source"
    return dict((m.group(1), m.group(2).strip()) for m in re.finditer(r'^#\|\s*([\w-]+):?(.*)$', src, re.M))


def markdown_outputs(cell):
    "The `text/markdown` of a code cell's stored outputs"
    return [''.join(o['data']['text/markdown']).strip() for o in cell.get('outputs', []) if 'text/markdown' in o.get('data', {})]


def cell_parts(cell):
    "What the README shows of `cell`: a list of Markdown blocks"
    src = ''.join(cell['source'])
    if cell['cell_type'] == 'markdown': return [src.strip()]
    if cell['cell_type'] != 'code': return []
    d = directives(src)
    if 'hide' in d: return []
    code = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()
    shown = [] if d.get('echo', '').lower() == 'false' or not code else [f'```python\n{code}\n```']
    return shown + markdown_outputs(cell)


def readme_text(nb_path=ROOT/'nbs'/'index.ipynb'):
    "The README's text from the index notebook"
    parts = [p for cell in json.loads(Path(nb_path).read_text())['cells'] for p in cell_parts(cell) if p]
    text = re.sub(r'\]\((?!https?:|#|/|\.\./)', '](nbs/', '\n\n'.join(parts))   # links to files beside the index
    return text.replace('../', '') + '\n'


if __name__ == '__main__':
    text = readme_text()
    if '--check' in sys.argv:
        ok = (ROOT/'README.md').read_text() == text
        print('README.md is up to date' if ok else 'README.md differs from nbs/index.ipynb: run python tools/make_readme.py')
        sys.exit(0 if ok else 1)
    (ROOT/'README.md').write_text(text)
    print('wrote README.md')
