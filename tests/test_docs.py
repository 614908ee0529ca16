"""The documentation site, checked as far as a machine without Quarto allows.

`nbdev_docs` runs nbdev's notebook processing (`nbdev.serve.proc_nbs`: every notebook through the
processors of `nbdev.processors.FilterDefaults`, which drop hidden and exported cells, add and execute a
`show_doc` for each exported function and class) and then `quarto render`. Here: the sidebar lists every
notebook in reading order, that processing runs on every notebook without error, and every public function
and class gets its `show_doc`.

Then every notebook is turned into the HTML page a reader without Quarto gets, by the documented route
`python tools/render_html.py nbs/NOTEBOOK.ipynb --out DIR` (nbdev's processing, the cell options Quarto would
apply, nbconvert with MathJax from the `jupyter-server-mathjax` package: no network), and opened in headless
Chromium, one page at a time. On every page: MathJax typeset each formula of the notebook's Markdown (and of its
Markdown outputs), cell by cell, without errors, and no raw `$$`, `$..$` or `\\[` is left in the text; no hidden
cell's code is shown (`#| hide`, `#| export`, `#| exporti`, `#| default_exp`, `#| include: false`,
`#| echo: false`), nor `#|` options, nbdev's `show_doc` calls, Quarto's link attributes or an `In [ ]:`/`Out[ ]:`
prompt, and every other cell is shown (a first cell's text beyond the title and summary, which nbdev drops, is
reported); every figure stored in the notebook (image outputs of the cells shown, Markdown images) is on the
page, loaded. Chromium runs once for all the pages (driven over its DevTools pipe). The home page and
`08_ttbar` also show the results table and a figure. The test fails, rather than skips, without
`jupyter-server-mathjax` (a dev requirement), and skips without Chromium. Screenshots of the last passing run
(each page's top, the table and the figure) are kept in `tests/artifacts/`.
"""
import ast, json, os, re, shutil, subprocess, sys, tempfile
from pathlib import Path
import configparser
import pytest, yaml

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
ARTIFACTS = ROOT/'tests'/'artifacts'
NOTEBOOKS = sorted(p.name for p in NBS.glob('*.ipynb'))
PAGES = ('index.ipynb', '08_ttbar.ipynb')  # the home page and the reproduction
sys.path.insert(0, str(ROOT/'tools'))
import render_html  # the reader's route to HTML pages without Quarto


def reading_order(name):
    "Sort key of the sidebar: the home page first, then by number, `03a_` after `03_`"
    return (name != 'index.ipynb', name)  # '_' sorts before the letters


def sidebar_entries(contents):
    "The files of a Quarto sidebar's `contents`, sections flattened, in order"
    for o in contents:
        if isinstance(o, str): yield o
        else:
            if 'href' in o: yield o['href']
            yield from sidebar_entries(o.get('contents', []))


def test_sidebar_lists_every_notebook_in_reading_order():
    listed = list(sidebar_entries(yaml.safe_load((NBS/'sidebar.yml').read_text())['website']['sidebar']['contents']))
    missing = [n for n in NOTEBOOKS if n not in listed]
    assert not missing, f'nbs/sidebar.yml does not list {missing}: add them in reading order'
    assert listed[0] == 'index.ipynb' and len(listed) == len(set(listed)), listed
    assert listed == sorted(listed, key=reading_order), f'nbs/sidebar.yml is not in reading order: {listed}'


def test_quarto_reads_the_kept_sidebar():
    quarto = yaml.safe_load((NBS/'_quarto.yml').read_text())  # the one nbdev_docs copies into _proc/
    assert 'sidebar.yml' in quarto['metadata-files']
    cfg = configparser.ConfigParser(); cfg.read(ROOT/'settings.ini')
    assert cfg['DEFAULT'].getboolean('custom_sidebar'), 'with custom_sidebar = False nbdev_docs overwrites nbs/sidebar.yml'


@pytest.fixture(scope='module')
def processed(tmp_path_factory):
    """Folder of every notebook as nbdev_docs hands it to Quarto, and {notebook: error} for those it could not process.
    The notebooks are copied first, to `src/` in that folder: the checks read the notebooks the pages were made from,
    even where someone edits nbs/ meanwhile"""
    out = tmp_path_factory.mktemp('proc')
    (out/'src').mkdir()
    for n in NOTEBOOKS: shutil.copy(NBS/n, out/'src'/n)
    # nbdev_docs runs it per notebook (in worker processes, from the repo root); here one process runs them all
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'render_html.py'), '--process-only', '--out', str(out), *(str(out/'src'/n) for n in NOTEBOOKS)],
                       cwd=ROOT, capture_output=True, text=True, env={**os.environ, 'MPLBACKEND': 'Agg'})
    line = next((l for l in r.stdout.splitlines() if l.startswith('ERRORS ')), None)
    assert line, f'the processing stopped: {r.stderr[-3000:]}'
    return out, json.loads(line[len('ERRORS '):])


@pytest.mark.parametrize('name', NOTEBOOKS)
def test_nbdev_processes_notebook(processed, name):
    out, errors = processed
    assert name not in errors, (f'nbdev_docs would stop on {name}. Its processing runs every exported cell and every '
        f'cell holding an import (nbdev FAQ: keep imports in cells of their own):\n{errors.get(name)}')
    assert (out/name).exists()


def directives(source):
    "The `#| name` directives at the top of a cell's source"
    return {m.group(1) for m in re.finditer(r'^#\s*\|\s*([\w-]+)', source, re.M)}


def public_api(nb_path):
    "Names that need a `show_doc`: functions and classes of the `#| export` cells without a leading underscore"
    names = []
    for cell in json.loads(Path(nb_path).read_text())['cells']:
        src = ''.join(cell['source'])
        if cell['cell_type'] != 'code' or not directives(src) & {'export', 'exports'}: continue
        for node in ast.parse(src).body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or node.name.startswith('_'): continue
            patched = any(getattr(d.func if isinstance(d, ast.Call) else d, 'id', None) == 'patch' for d in node.decorator_list)
            names.append(f'{ast.unparse(node.args.args[0].annotation)}.{node.name}' if patched else node.name)
    return names


def shown_docs(nb_path):
    "{name: markdown shown} of the `show_doc` cells of a processed notebook that produced output"
    res = {}
    for cell in json.loads(Path(nb_path).read_text())['cells']:
        m = re.search(r'^show_doc\(\s*([\w.]+)', ''.join(cell.get('source', '')), re.M)
        if cell['cell_type'] != 'code' or not m: continue
        res[m.group(1)] = ''.join(''.join(o.get('data', {}).get('text/markdown', '')) for o in cell.get('outputs', []))
    return res


def test_public_api_parser():
    nb = dict(cells=[dict(cell_type='code', source='#| export\ndef f(x): pass\ndef _g(): pass\nclass C: pass\n@patch\ndef m(self:C): pass'),
                     dict(cell_type='code', source='def h(): pass'), dict(cell_type='markdown', source='#| export')])
    with tempfile.TemporaryDirectory() as d:
        (Path(d)/'nb.ipynb').write_text(json.dumps(nb))
        assert public_api(Path(d)/'nb.ipynb') == ['f', 'C', 'C.m']


@pytest.mark.parametrize('name', [n for n in NOTEBOOKS if public_api(NBS/n)])
def test_show_doc_for_every_public_function_and_class(processed, name):
    out, errors = processed
    if name in errors: pytest.fail(f'nbdev could not process {name} (see test_nbdev_processes_notebook)')
    shown = shown_docs(out/name)
    undocumented = [n for n in public_api(out/'src'/name) if n.split('.')[-1] not in shown.get(n, '')]
    assert not undocumented, f'{name}: no show_doc output for {undocumented}'


# ---- every notebook as HTML in a browser: the route of a reader without Quarto (tools/render_html.py)

def browser():
    return next((shutil.which(b) for b in ('chromium', 'chromium-browser', 'google-chrome') if shutil.which(b)), None)


needs_browser = pytest.mark.skipif(browser() is None, reason='headless Chromium is not installed (Debian: apt-get install chromium)')

# Marks each image with its loaded width and each SVG figure with its drawn width. With #table or #figure in the
# address it also removes everything before the results table or the first figure, so the screenshot starts
# there (a scrolled headless screenshot comes out blank).
PROBE = '''<script>
addEventListener('load', () => {
  const imgs = [...document.images];
  imgs.forEach(i => i.dataset.naturalWidth = i.naturalWidth);
  document.querySelectorAll('.jp-RenderedSVG > svg').forEach(s => s.dataset.width = Math.round(s.getBoundingClientRect().width));
  const table = [...document.querySelectorAll('table')].find(t => t.textContent.includes('turbo-sim best') && t.rows[0].cells.length > 10);
  const target = {'#table': table, '#figure': imgs.find(i => i.naturalWidth >= 200)}[location.hash];
  for (let e = target; e && e !== document.body; e = e.parentElement)
    while (e.previousElementSibling) e.previousElementSibling.remove();
});
</script>'''

# After the load event: waits until MathJax has typeset the page (its startup, which typesets the whole page, posts 'End'),
# at most 90 s, and records how it went in the body's data-mathjax: 'done', 'timeout' or 'absent' (MathJax did not load).
# Not a callback on MathJax.Hub.Queue: here that queue stays suspended after the startup, and such a callback never runs.
MATHJAX_DONE = '''(window.MathJax && MathJax.Hub
  ? Promise.race([new Promise(ok => MathJax.Hub.Register.StartupHook('End', () => ok('done'))), new Promise(ok => setTimeout(() => ok('timeout'), 90000))])
  : Promise.resolve('absent')).then(state => document.body.dataset.mathjax = state)'''


class Chromium:
    "Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe): one browser for all the pages, each opened in a tab of its own"
    def __init__(self):
        import fcntl
        cmd_r, cmd_w = os.pipe(); out_r, out_w = os.pipe()   # the browser reads commands on its fd 3 and writes answers and events on its fd 4
        def high(fd):   # the descriptor moved to a number >= 10, clear of the 3 and 4 that the redirections below write
            moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10); os.close(fd); return moved
        cmd_r, out_w = high(cmd_r), high(out_w)
        self.proc = subprocess.Popen(['bash', '-c', f'exec "$@" 3<&{cmd_r} 4>&{out_w} {cmd_r}<&- {out_w}>&-', 'chromium', browser(), '--headless',
                                      '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1280,1000', '--remote-debugging-pipe'],
                                     pass_fds=(cmd_r, out_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r); os.close(out_w)
        self.w, self.r, self.buf, self.events, self.n = cmd_w, out_r, b'', [], 0

    def _message(self, deadline):
        import select, time
        while b'\0' not in self.buf:
            if not select.select([self.r], [], [], max(0, deadline - time.monotonic()))[0]: raise TimeoutError('Chromium did not answer')
            chunk = os.read(self.r, 1 << 20)
            if not chunk: raise EOFError(f'Chromium closed its pipe (exit code {self.proc.poll()})')
            self.buf += chunk
        msg, self.buf = self.buf.split(b'\0', 1)
        return json.loads(msg)

    def send(self, method, session=None, timeout=150, **params):
        "Send a DevTools command (to the tab of `session`); its result"
        import time
        self.n += 1
        os.write(self.w, json.dumps({'id': self.n, 'method': method, 'params': params, **({'sessionId': session} if session else {})}).encode() + b'\0')
        deadline = time.monotonic() + timeout
        while (m := self._message(deadline)).get('id') != self.n: self.events.append(m)
        if 'error' in m: raise RuntimeError(f'{method}: {m["error"]}')
        return m.get('result', {})

    def wait(self, event, session, timeout=120):
        import time
        deadline = time.monotonic() + timeout
        while True:
            for m in self.events:
                if m.get('method') == event and m.get('sessionId') == session: self.events.remove(m); return m
            self.events.append(self._message(deadline))

    def open(self, url):
        "Open `url` in a new 1280x1000 tab and wait for its load event, then for MathJax; (its DOM, a PNG screenshot of its top)"
        import base64
        tab = self.send('Target.createTarget', url='about:blank')['targetId']
        s = self.send('Target.attachToTarget', targetId=tab, flatten=True)['sessionId']
        try:
            self.send('Page.enable', s)
            self.send('Emulation.setDeviceMetricsOverride', s, width=1280, height=1000, deviceScaleFactor=1, mobile=False)
            self.send('Page.navigate', s, url=url)
            self.wait('Page.loadEventFired', s)
            self.send('Runtime.evaluate', s, expression=MATHJAX_DONE, awaitPromise=True)
            dom = self.send('Runtime.evaluate', s, expression='document.documentElement.outerHTML', returnByValue=True)['result']['value']
            return dom, base64.b64decode(self.send('Page.captureScreenshot', s, format='png')['data'])
        finally:
            self.send('Target.closeTarget', targetId=tab)
            self.events = [m for m in self.events if m.get('sessionId') != s]

    def close(self):
        try: self.send('Browser.close', timeout=10)
        except Exception: pass
        try: self.proc.wait(10)
        except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()
        os.close(self.w); os.close(self.r)


@pytest.fixture(scope='module')
def chromium():
    b = Chromium()
    yield b
    b.close()


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "A folder for the pages, alone: a page must work wherever the reader writes it (its images embedded)"
    return tmp_path_factory.mktemp('site')


def to_html(processed_nb, site):
    "The page of `processed_nb` by the reader's route (`render_html.to_html`: Quarto's part, then nbconvert), written into `site` with the probe"
    html = render_html.to_html(processed_nb, NBS)
    assert html.count('</body>') == 1
    page = site/Path(processed_nb).with_suffix('.html').name
    page.write_text(html.replace('</body>', PROBE + '</body>'))
    return page


# -- what the notebook says the page must show, read from the notebook itself (not from the rendering)

def notebook_cells(processed, name):
    "[(index, cell, nbdev's directives)] of the notebook `name` (as it was when processed), parsed as nbdev parses them"
    from execnb.nbio import read_nb
    from nbdev.process import extract_directives
    return [(i, c, extract_directives(c, remove=False)) for i, c in enumerate(read_nb(processed[0]/'src'/name).cells)]


NBDEV_DROPS = {'hide', 'export', 'exporti', 'default_exp'}   # nbdev's rm_export and hide_


def dropped(cell, d):
    "Not on the page at all: nbdev drops it (`#| hide`, `#| export`, ...) or Quarto would (`#| include: false`)"
    return bool(d.keys() & NBDEV_DROPS) or d.get('include:') == ['false']


def code_hidden(cell, d): return cell.cell_type == 'code' and (dropped(cell, d) or d.get('echo:') == ['false'])
def outputs_shown(cell, d): return cell.cell_type == 'code' and not dropped(cell, d) and d.get('output:') != ['false']


def code_lines(source):
    "The stripped lines of a code cell that a page shows: not its `#|` lines, magics (nbdev's clean_magics) or `hide_line` lines"
    return {l.strip() for l in source.splitlines()
            if l.strip() and not re.match(r'\s*(#\s*\||%)', l) and not re.search(r'#\|\s*hide_line\s*$', l)}


def title_rest(source):
    "The text of a notebook's first Markdown cell besides its title, its `> summary` and `- key: value` lines (all nbdev turns into front matter)"
    return [l for l in source.splitlines() if l.strip() and not re.match(r'#\s+\S|>\s+\S|-\s+\S.*:.*\S', l)]


_CODE_MD = re.compile(r'```.*?```|~~~.*?~~~|`[^`\n]*`', re.S)  # fenced code and code spans: MathJax skips <pre> and <code>
_MATH = re.compile(r'\$\$.+?\$\$|\\\[.+?\\\]|\\begin\{(\w+\*?)\}.+?\\end\{\1\}|(?<![\\$])\$(?:\\.|[^$\\])+?\$|\\\(.+?\\\)', re.S)


def count_math(markdown):
    "How many formulas MathJax (TeX input, nbconvert's delimiters: $..$, $$..$$, \\(..\\), \\[..\\], \\begin{env}..\\end{env}) should find in `markdown`"
    return len(_MATH.findall(_CODE_MD.sub('', markdown)))


def output_markdown(cell):
    "The Markdown and LaTeX outputs of a code cell, as one text"
    return '\n\n'.join(''.join(o.get('data', {}).get(k, '')) for o in cell.get('outputs', []) for k in ('text/markdown', 'text/latex'))


def expected_math(cell, d):
    "Formulas the page must show for `cell`: in its Markdown, or in the Markdown and LaTeX outputs of a code cell whose outputs are shown"
    if cell.cell_type == 'markdown': return 0 if dropped(cell, d) else count_math(cell.source)
    return count_math(output_markdown(cell)) if outputs_shown(cell, d) else 0


def image_outputs(cell, d):
    "Figures stored in a code cell whose outputs the page shows (image outputs)"
    return sum(any(k.startswith('image/') for k in o.get('data', {})) for o in cell.get('outputs', [])) if outputs_shown(cell, d) else 0


def markdown_images(cell, d):
    "Images of a Markdown cell (`![..](..)` or <img>)"
    if cell.cell_type != 'markdown' or dropped(cell, d): return 0
    return len(re.findall(r'!\[[^\]]*\]\([^)]+\)|<img\b', _CODE_MD.sub('', cell.source)))


# -- what the page shows (the DOM that Chromium dumped), read once per page

SKIP_TAGS = {'script', 'style', 'pre', 'code', 'textarea'}
SKIP_CLASSES = {'MathJax', 'MathJax_Display', 'MathJax_Preview', 'MJX_Assistive_MathML'}


def visible_text(el):
    "The text a reader sees of `el` outside code, scripts and MathJax's typeset maths"
    from bs4 import NavigableString
    out = []
    def walk(e):
        for c in e.children:
            if isinstance(c, NavigableString):
                if type(c) is NavigableString: out.append(str(c))
            elif c.name not in SKIP_TAGS and not SKIP_CLASSES & set(c.get('class') or ()): walk(c)
    walk(el)
    return ' '.join(out)


def figures(el):
    "The figures under `el`: <img> elements and SVG outputs, with the width Chromium loaded them at"
    return ([('img', int(i.get('data-natural-width', 0))) for i in el.find_all('img')] +
            [('svg', int(s.get('data-width', 0))) for s in el.select('.jp-RenderedSVG > svg')])


def typeset(el): return len(el.select('.MathJax[id$="-Frame"]'))   # MathJax 2's output of each formula it typeset (its TeX stays in a script beside it)


class Page:
    "What the checks read from a page's DOM (a BeautifulSoup), computed once"
    def __init__(self, soup):
        self.mathjax = soup.body.get('data-mathjax')
        self.cells = {e['id'].removeprefix('cell-id='): e for e in soup.select('[id^="cell-id="]')}   # nbconvert's lab template
        self.typeset, self.figures, self.text = typeset(soup), figures(soup), visible_text(soup.body)
        self.code = {l.strip() for pre in soup.select('.jp-CodeCell .jp-InputArea pre') for l in pre.get_text().splitlines() if l.strip()}
        self.prompts = len(soup.select('.jp-InputPrompt, .jp-OutputPrompt'))
        self.math_errors = []   # the TeX of formulas MathJax could not typeset (its noErrors and noUndefined extensions mark them)
        for e in soup.select('.MathJax, .MathJax_Display, .MathJax_Error, .noError, .merror'):
            mml = e.get('data-mathml', '')
            if {'MathJax_Error', 'noError', 'merror'} & set(e.get('class', [])) or '<merror' in mml or 'mathcolor="red"' in mml:
                tex = soup.find('script', id=(e.get('id') or '').removesuffix('-Frame'))
                self.math_errors.append(tex.get_text() if tex else excerpt(e.get_text()))

    def cell(self, cell): return self.cells.get(cell.get('id'))


def mapped(cells):
    "The cells with an id, which the page's cells carry: the per-cell checks (a cell without one, unsaved by Jupyter, counts in the totals only)"
    return [(i, c, d) for i, c, d in cells if c.get('id')]


def excerpt(text, n=80): return ' '.join(text.split())[:n]


def math_problems(cells, page):
    "Formulas not typeset by MathJax, or typeset with errors; raw delimiters left in the visible text"
    problems, expected = [], sum(expected_math(c, d) for _, c, d in cells)
    if expected and page.mathjax != 'done':
        return [f'MathJax did not finish typesetting (state {page.mathjax!r}, {page.typeset} of {expected} formulas done; '
                f'is {render_html.MATHJAX_PACKAGE} installed?)']
    for i, c, d in mapped(cells):
        n, el = expected_math(c, d), page.cell(c)
        if el is None: continue   # a cell missing from the page is reported by test_page_hides_hidden_cells
        if typeset(el) != n: problems.append(f'cell {i}: {n} formulas in the notebook, {typeset(el)} typeset by MathJax: {excerpt(c.source)!r}')
    if page.typeset < expected: problems.append(f'{page.typeset} formulas typeset, the notebook has {expected}')
    problems += [f'MathJax could not typeset {tex!r}' for tex in dict.fromkeys(page.math_errors)]
    for m in re.finditer(r'\$\$|\\\[|\\\]|\\begin\{|\$[^$\n]{1,200}\$', page.text):
        problems.append(f'raw TeX in the text: {page.text[max(0, m.start() - 40):m.end() + 40]!r}')
    if 'Math Processing Error' in page.text: problems.append('MathJax shows "Math Processing Error"')
    return problems


def hidden_problems(cells, page):
    "Hidden code shown, visible cells missing, `In [ ]:`/`Out[ ]:` prompts"
    problems = [f'{page.prompts} In/Out prompts'] if page.prompts else []
    problems += [f'prompt {m.group()!r} in the text' for m in re.finditer(r'\b(?:In|Out)\s*\[\s*\d*\s*\]:', page.text)]
    visible = set().union(*[code_lines(c.source) for _, c, d in cells if c.cell_type == 'code' and not code_hidden(c, d)])
    quarto = re.findall(r'.{0,30}(?:\{(?:target|style)=|^:::).{0,30}', page.text, re.M)
    if quarto: problems.append(f'Quarto/Pandoc syntax shown as text: {quarto[:3]}')
    shown_options = sorted(l for l in page.code if re.match(r'#\s*\|', l) or (l.startswith('show_doc(') and l not in visible))
    if shown_options: problems.append(f'cell options or nbdev\'s show_doc calls shown as code: {shown_options[:3]}')
    for i, c, d in cells:
        if code_hidden(c, d):   # its own lines (those no visible cell also has) must not be shown
            leaked = (code_lines(c.source) - visible) & page.code
            if leaked: problems.append(f'hidden cell {i} ({", ".join(d)}) shown: {sorted(leaked)[:3]}')
        elif c.cell_type == 'code':
            missing = code_lines(c.source) - page.code
            if missing: problems.append(f'code of cell {i} not shown: {sorted(missing)[:3]}')
        elif c.cell_type == 'markdown' and not dropped(c, d):
            if i == 0 and re.match(r'#\s+\S', c.source):   # the title cell: nbdev keeps its title and summary, drops the rest
                if title_rest(c.source): problems.append(f'nbdev drops the text after the title and summary of the first cell '
                                                         f'(put it in a cell of its own): {excerpt(" ".join(title_rest(c.source)))!r}')
            elif c.get('id') and page.cell(c) is None: problems.append(f'Markdown cell {i} not on the page: {excerpt(c.source)!r}')
    return problems


def figure_problems(cells, page):
    "Figures of the notebook missing from the page or not loaded"
    problems, expected = [], sum(image_outputs(c, d) + markdown_images(c, d) for _, c, d in cells)
    for i, c, d in mapped(cells):
        n, el = image_outputs(c, d) + markdown_images(c, d), page.cell(c)
        got = len(figures(el)) if el is not None else 0
        if n != got: problems.append(f'cell {i}: {n} figures in the notebook, {got} on the page')
    if len(page.figures) != expected: problems.append(f'{len(page.figures)} figures on the page, {expected} in the notebook')
    problems += [f'{kind} {k} of the page not loaded (width {w})' for k, (kind, w) in enumerate(page.figures) if w <= 0]
    return problems


CHECKS = {'maths': math_problems, 'hidden': hidden_problems, 'figures': figure_problems}


@pytest.fixture(scope='module')
def pages(processed, site, chromium):
    """page(name): `name`'s page opened once in Chromium (after MathJax): {check: problems}, the page, a screenshot of
    its top, its DOM"""
    from bs4 import BeautifulSoup
    out, errors = processed
    cache = {}
    def page(name):
        if name in errors: pytest.fail(f'nbdev could not process {name} (see test_nbdev_processes_notebook)')
        if name not in cache:
            path = to_html(out/name, site)
            dom, png = chromium.open(path.as_uri())
            shot = site/f'{Path(name).stem}_top.png'
            shot.write_bytes(png)
            soup = BeautifulSoup(dom, 'html.parser')
            pg, cells = Page(soup), notebook_cells(processed, name)
            cache[name] = {k: f(cells, pg) for k, f in CHECKS.items()}, path, shot, soup
        return cache[name]
    return page


def test_mathjax_is_installed():
    "MathJax is a dev requirement (settings.ini): without it the pages show raw TeX. A failure here, not a skip"
    js = render_html.mathjax_js()
    assert 'MathJax' in js.read_text()[:5000]
    cfg = configparser.ConfigParser(); cfg.read(ROOT/'settings.ini')
    assert render_html.MATHJAX_PACKAGE in cfg['DEFAULT']['dev_requirements']


def test_count_math():
    assert count_math(r'$a$ and $$b$$, \(c\), \[d\], \begin{align}e\end{align}; `$code$`, \$5') == 5
    assert count_math('```\n$x$\n```\ncosts $x_1$ and\n$$\na\n$$') == 2


def test_quarto_cells():
    "What render_html does in Quarto's place: cell options applied, front matter as the title, links to pages, images embedded"
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell
    out = [new_output('display_data', {'text/plain': 'shown'})]
    nb = new_notebook(cells=[new_raw_cell('---\ntitle: T\ndescription: S\n---\n'),
        new_code_cell('#| include: false\nsecret()', outputs=out), new_code_cell('#| echo: false\nquiet()', outputs=out),
        new_code_cell('#| output: false\nmute()', outputs=out), new_code_cell('#| code-fold: show\nshown()', outputs=out),
        new_markdown_cell('[next](08_ttbar.ipynb#a) ![f](../results/columns_turbo_sim_best.png)'),
        new_code_cell('show_doc(f)', outputs=[new_output('display_data', {'text/markdown': '[source](https://s){target="_blank" style="float:right"}'})])])
    cells = render_html.quarto_cells(nb, NBS).cells
    assert [c.source for c in cells[:4]] == ['# T\n\n> S', '', 'mute()', 'shown()']
    assert cells[1].metadata.transient == {'remove_source': True} and cells[1].outputs == out and cells[2].outputs == []
    assert cells[4].source.startswith('[next](08_ttbar.html#a) ![f](data:image/png;base64,iVBOR')
    assert cells[5].outputs[0].data['text/markdown'] == '<a href="https://s" target="_blank" style="float:right">source</a>'


def test_checks_catch_broken_pages():
    "The checks pass a page that shows what the notebook holds, and fail one with raw TeX, a hidden cell, a prompt, a figure not loaded"
    from bs4 import BeautifulSoup
    Cell = type('Cell', (dict,), {'__getattr__': dict.__getitem__})
    cells = [(0, Cell(cell_type='markdown', id='m', source='# T\n\n> s'), {}),
             (1, Cell(cell_type='markdown', id='a', source='The law $p(x)$ and $$q$$'), {}),
             (2, Cell(cell_type='code', id='h', source='#| hide\nsecret_setup = 1', outputs=[]), {'hide': []}),
             (3, Cell(cell_type='code', id='f', source='plot()', outputs=[dict(data={'image/png': 'x'})]), {})]
    good = Page(BeautifulSoup('''<body data-mathjax="done"><div id="cell-id=a">The law <span class="MathJax" id="MathJax-Element-1-Frame"></span>
        <script type="math/tex" id="MathJax-Element-1">p(x)</script> and <div class="MathJax_Display"><span class="MathJax" id="MathJax-Element-2-Frame">
        </span></div><script type="math/tex; mode=display" id="MathJax-Element-2">q</script></div>
        <div id="cell-id=f" class="jp-CodeCell"><div class="jp-InputArea"><pre>plot()</pre></div><img data-natural-width="640"></div></body>''', 'html.parser'))
    assert not math_problems(cells, good) and not hidden_problems(cells, good) and not figure_problems(cells, good)
    bad = Page(BeautifulSoup('''<body data-mathjax="done"><div id="cell-id=a">The law $p(x)$ and $$q$$</div>
        <div class="jp-CodeCell"><div class="jp-InputArea"><div class="jp-InputPrompt">In [1]:</div><pre>secret_setup = 1</pre></div></div>
        <div class="jp-CodeCell"><div class="jp-InputArea"><pre>#| echo: false
show_doc(plot)</pre></div></div>
        <div class="jp-OutputArea"><a href="x">source</a>{target="_blank"}</div>
        <p><span class="MathJax" id="MathJax-Element-3-Frame" data-mathml="&lt;math&gt;&lt;merror&gt;&lt;mtext&gt;\\frac{&lt;/mtext&gt;&lt;/merror&gt;&lt;/math&gt;">
        </span><script type="math/tex" id="MathJax-Element-3">\\frac{</script></p>
        <div id="cell-id=f" class="jp-CodeCell"><div class="jp-InputArea"><pre>plot()</pre></div><img data-natural-width="0"></div></body>''', 'html.parser'))
    maths = math_problems(cells, bad)
    assert maths[0].startswith('cell 1: 2 formulas in the notebook, 0 typeset') and sum('raw TeX' in p for p in maths) == 3, maths
    assert "MathJax could not typeset '\\\\frac{'" in maths, maths
    hidden = hidden_problems(cells, bad)
    assert any('prompts' in p for p in hidden) and any(p.startswith('hidden cell 2') for p in hidden), hidden
    assert any(p.startswith('cell options') and 'show_doc(plot)' in p and '#| echo: false' in p for p in hidden), hidden
    assert any(p.startswith('Quarto/Pandoc syntax') for p in hidden), hidden
    assert figure_problems(cells, bad) == ['img 0 of the page not loaded (width 0)']
    assert math_problems(cells, Page(BeautifulSoup('<body>$p(x)$</body>', 'html.parser')))[0].startswith('MathJax did not finish')


def check(pages, name, kind):
    problems, path, *_ = pages(name)
    assert not problems[kind], f'{name} in Chromium (page {path}):\n' + '\n'.join(problems[kind])


@needs_browser
@pytest.mark.parametrize('name', NOTEBOOKS)
def test_page_renders_maths(pages, name): check(pages, name, 'maths')


@needs_browser
@pytest.mark.parametrize('name', NOTEBOOKS)
def test_page_hides_hidden_cells(pages, name): check(pages, name, 'hidden')


@needs_browser
@pytest.mark.parametrize('name', NOTEBOOKS)
def test_page_shows_every_figure(pages, name):
    check(pages, name, 'figures')
    problems, _, shot, _ = pages(name)
    if not any(problems.values()):
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(shot, ARTIFACTS/shot.name)  # the page's top, kept from the last passing run


KS_CELL = re.compile(r'[\d.]+(?: ± [\d.]+)?')   # a value, or a mean ± standard deviation over seeds


def _drop_seeds(rows):
    "The rows without the 'seeds' column, if the table has one (its header row is keyed by 'model')"
    return {k: v[1:] for k, v in rows.items()} if rows.get('model', [''])[:1] == ['seeds'] else rows


def results_table(soup):
    "{row label: cells} of the page's KS table: the <table> whose 'turbo-sim best' and 'floor' rows hold ten numbers (or means ± std)"
    for t in soup.find_all('table'):
        rows = {}
        for tr in t.find_all('tr'):
            cells = [c.get_text(' ', strip=True) for c in tr.find_all(['td', 'th'])]
            if cells: rows[cells[0]] = cells[1:]
        rows = _drop_seeds(rows)
        floor = next((r for r in rows if r.startswith('floor')), None)  # 'floor' or 'floor (truth vs truth)'
        if all(len(rows.get(r, [])) >= 10 and all(KS_CELL.fullmatch(v) for v in rows[r][:10]) for r in ('turbo-sim best', floor)): return rows


def values(cells):
    "The ten KS columns of a row's cells (means, where a cell is mean ± std)"
    return [float(v.split('±')[0]) for v in cells[:10]]


def committed_row(name='turbo-sim best'):
    "The ten KS columns (x 1e-2, means over seeds) of `name` in the committed results/ttbar_ks.md"
    lines = (ROOT/'results'/'ttbar_ks.md').read_text().splitlines()
    rows = _drop_seeds({c[0]: c[1:] for c in ([v.strip() for v in l.strip().strip('|').split('|')] for l in lines if l.startswith('| '))})
    return values(rows[name])


def table_problems(soup):
    "Problems of a page that must show the results table and a figure (empty list: it does)"
    problems = []
    table = results_table(soup)
    if table is None: problems.append("no results table (an HTML <table> whose rows 'turbo-sim best' and 'floor' hold the ten KS columns)")
    elif values(table['turbo-sim best']) != committed_row():
        problems.append(f"the 'turbo-sim best' row {table['turbo-sim best'][:10]} is not results/ttbar_ks.md's {committed_row()}")
    widths = [int(i.get('data-natural-width', 0)) for i in soup.find_all('img')]
    if not any(w >= 200 for w in widths): problems.append(f'no figure loaded (<img> widths in the browser: {widths})')
    return problems


@needs_browser
@pytest.mark.parametrize('name', PAGES)
def test_page_shows_results_table_and_figure(pages, chromium, tmp_path, name):
    _, page, _, soup = pages(name)
    problems = table_problems(soup)
    shots = {f'{Path(name).stem}_{part}.png': f'{page.as_uri()}#{part}' for part in ('table', 'figure')}
    for shot, url in shots.items(): (tmp_path/shot).write_bytes(chromium.open(url)[1])
    assert not problems, f'{name} in Chromium: {problems} (page {page}, screenshots in {tmp_path})'
    ARTIFACTS.mkdir(exist_ok=True)
    for shot in shots: shutil.copy(tmp_path/shot, ARTIFACTS/shot)  # kept from the last passing run


# ---- the home page's numbers: read from results/, stored as outputs, copied into README.md by tools/make_readme.py

def markdown_outputs(cell):
    "The `text/markdown` of a code cell's outputs"
    return [''.join(o['data']['text/markdown']) for o in cell.get('outputs', []) if 'text/markdown' in o.get('data', {})]


def test_index_outputs_are_the_committed_results():
    "Run index.ipynb as nbdev_test does: its Markdown outputs (the README's tables and numbers) equal the stored ones"
    sys.path.insert(0, str(ROOT/'tools'))
    from run_notebooks import skipped, skip_flags
    from execnb.nbio import read_nb
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    nb = read_nb(NBS/'index.ipynb')
    stored = [markdown_outputs(c) for c in nb.cells]
    assert any(stored), 'index.ipynb has no stored Markdown outputs: run python tools/run_notebooks.py nbs/index.ipynb'
    flags = skip_flags()
    with working_directory(NBS):
        CaptureShell(NBS/'index.ipynb').run_all(nb, exc_stop=True, preproc=lambda c: skipped(c, flags))
    stale = [i for i, c in enumerate(nb.cells) if markdown_outputs(c) != stored[i]]
    assert not stale, (f'index.ipynb cells {stale} show other numbers than results/ gives now: run '
                       'python tools/run_notebooks.py nbs/index.ipynb && python tools/make_readme.py')
