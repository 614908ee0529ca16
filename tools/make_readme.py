"""Write README.md from nbs/index.ipynb, the docs home (what `nbdev_readme` does where Quarto is installed).

Markdown cells are copied, code cells become ```python blocks without their `#|` directives, and paths
relative to nbs/ (`../data/...`) become paths relative to the repository root.

    python tools/make_readme.py          # rewrite README.md
    python tools/make_readme.py --check  # exit 1 if README.md is out of date
"""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_text(nb_path=ROOT/'nbs'/'index.ipynb'):
    "The README's text from the index notebook"
    parts = []
    for cell in json.loads(Path(nb_path).read_text())['cells']:
        src = ''.join(cell['source'])
        if cell['cell_type'] == 'markdown': parts.append(src.strip())
        elif cell['cell_type'] == 'code':
            code = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()
            if code: parts.append(f'```python\n{code}\n```')
    return '\n\n'.join(parts).replace('../data/', 'data/').replace('../results/', 'results/') + '\n'


if __name__ == '__main__':
    text = readme_text()
    if '--check' in sys.argv:
        ok = (ROOT/'README.md').read_text() == text
        print('README.md is up to date' if ok else 'README.md differs from nbs/index.ipynb: run python tools/make_readme.py')
        sys.exit(0 if ok else 1)
    (ROOT/'README.md').write_text(text)
    print('wrote README.md')
