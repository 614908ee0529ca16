"""The notebooks as HTML pages without Quarto: the route for a reader who has no Quarto.

    python tools/render_html.py nbs/00_theory.ipynb nbs/08_ttbar.ipynb --out html/    # or nbs/*.ipynb

writes `html/00_theory.html`, ... (open them in a browser; no network needed). Three steps, each a function here:

1. `nbdev_process`: nbdev's own processing, what `nbdev_docs` hands Quarto (`nbdev.serve_drv.main` with the processors
   of `nbdev.processors.FilterDefaults`, run from the repository root). It drops the cells marked `#| hide`,
   `#| export`, `#| exporti` and `#| default_exp` (nbdev's `rm_export` and `hide_`), adds a `show_doc` cell (marked
   `#| output: asis` and `#| echo: false`) after each exported function and class and executes it, and writes the
   notebook's title and summary as Quarto front matter. It leaves Quarto's cell options (`#| echo: false`, ...) in the
   cells, for Quarto to apply.
2. `quarto_cells`: what Quarto would do with those options and nbconvert does not: a cell with `#| include: false` is
   dropped, `#| echo: false` drops the cell's code (its outputs stay), `#| output: false` drops its outputs, and the
   `#|` option lines are removed from the code shown; the front matter becomes the page's title and summary. Links to
   notebooks point to their pages (`08_ttbar.ipynb` -> `08_ttbar.html`), the local images of Markdown cells
   (`![...](../results/x.png)`) are embedded, so a page works wherever it is written (nbconvert embeds only the files
   under the notebook's folder), and Pandoc's link attributes, which nbconvert would show as text (show_doc's
   `[source](...){target="_blank" style="float:right; ..."}`), become those of an HTML link.
3. `to_html`: nbconvert's HTMLExporter (the `lab` template) without `In [ ]:`/`Out[ ]:` prompts, with every image
   embedded, and MathJax 2.7 from the `jupyter-server-mathjax` package (a dev requirement in settings.ini) loaded from
   the installed files by a file:// address, so the maths renders with no network (nbconvert's default loads MathJax
   from a CDN). MathJax is told to use the STIX-Web fonts, the only web fonts that package ships. The template's
   require.js, which it loads from a CDN for widgets, is left out: these notebooks have none.

tests/test_docs.py renders every notebook this way and checks the pages in headless Chromium.
"""
import argparse, base64, importlib.util, json, mimetypes, re, sys, traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'

MATHJAX_PACKAGE = 'jupyter-server-mathjax'
MATHJAX_CONFIG = 'TeX-AMS-MML_HTMLorMML-full,Safe'  # the one combined configuration the package ships, and Safe as nbconvert's default


def mathjax_js():
    "Path of MathJax.js (MathJax 2.7) in the installed jupyter-server-mathjax package (found without importing it: it imports jupyter_server)"
    spec = importlib.util.find_spec('jupyter_server_mathjax')
    js = spec and Path(next(iter(spec.submodule_search_locations)))/'static'/'MathJax.js'
    if not js or not js.exists():
        raise ImportError(f'MathJax for the HTML pages comes from the {MATHJAX_PACKAGE} package, a dev requirement: '
                          f'pip install -e ".[dev]" (or pip install {MATHJAX_PACKAGE})')
    return js


def mathjax_url(): return f'{mathjax_js().as_uri()}?config={MATHJAX_CONFIG}'


def nbdev_process(srcs, out):
    "Step 1: each notebook of `srcs` as nbdev_docs hands it to Quarto, written to `out/`; {notebook name: error} of those it could not process"
    import nbdev.serve_drv
    from nbdev.processors import FilterDefaults
    from fastcore.xtras import working_directory
    out, errors = Path(out), {}
    out.mkdir(parents=True, exist_ok=True)
    with working_directory(ROOT):  # nbdev_docs runs from the repository root (nbdev reads settings.ini from there)
        for src in map(Path, srcs):
            try: nbdev.serve_drv.main((src.resolve(), out/src.name, FilterDefaults))
            except Exception as e: errors[src.name] = f"{e}\n{e.__cause__!r}" if e.__cause__ else traceback.format_exc()
    return errors


_OPTION = re.compile(r'^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')


def cell_options(source):
    "{option: value} of the Quarto cell options (`#| key: value`) at the top of a code cell; the code below them"
    lines, opts = source.splitlines(), {}
    while lines and (m := _OPTION.match(lines[0])):
        opts[m.group(1)] = m.group(2).strip('"\''); lines.pop(0)
    return opts, '\n'.join(lines)


_MD_IMAGE = re.compile(r'(!\[[^\]]*\]\()([^)\s]+)(\s+"[^"]*")?\)')
_NB_LINK = re.compile(r'(\]\((?![a-z]+:)[^)\s]*?)\.ipynb(#[^)\s]*)?\)')
_ATTR_LINK = re.compile(r'\[([^\]]*)\]\(([^)\s]+)\)\{([^}]*)\}')
_ATTR = re.compile(r'\s*([\w-]+)="([^"]*)"')


def attribute_links(md):
    """Markdown `md` with Pandoc's `[text](url){key="value" ...}` links as HTML links with those attributes (other attributes dropped)"""
    def link(m):
        attrs = ''.join(f' {k}="{v}"' for k, v in _ATTR.findall(m.group(3)))
        return f'<a href="{m.group(2)}"{attrs}>{m.group(1)}</a>'
    return _ATTR_LINK.sub(link, md)


def markdown_for_html(source, folder):
    "Markdown `source` of a notebook in `folder`, its links to notebooks pointing to their pages, its local images embedded, Pandoc link attributes as HTML"
    def embed(m):
        path = Path(folder)/m.group(2)
        if re.match(r'[a-z]+:', m.group(2)) or not path.is_file(): return m.group(0)
        mime = mimetypes.guess_type(path.name)[0] or 'application/octet-stream'
        return f'{m.group(1)}data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}{m.group(3) or ""})'
    return attribute_links(_MD_IMAGE.sub(embed, _NB_LINK.sub(r'\1.html\2)', source)))


def quarto_cells(nb, folder=NBS):
    "Step 2: apply to the processed notebook `nb` (an nbformat node, from `folder`) the cell options, front matter and links that Quarto would, in place"
    import nbformat, yaml
    cells = []
    for i, c in enumerate(nb.cells):
        c.setdefault('source', ''); c.setdefault('id', f'cell-{i}')
        if i == 0 and c.cell_type == 'raw' and c.source.startswith('---'):  # the front matter: the title and the summary
            fm = yaml.safe_load(c.source.strip().strip('-')) or {}
            c = nbformat.v4.new_markdown_cell(f"# {fm.get('title', '')}\n\n> {fm.get('description', '')}", id=c.id)
        elif c.cell_type == 'code':
            opts, code = cell_options(c.source)
            if opts.get('include') == 'false': continue
            c.source = '' if opts.get('echo') == 'false' else code
            if opts.get('output') == 'false': c.outputs = []
            if not c.source and not c.get('outputs'): continue
            if not c.source: c.metadata['transient'] = {'remove_source': True}  # nbconvert's lab template: outputs only
        if c.cell_type == 'markdown': c.source = markdown_for_html(c.source, folder)
        for o in c.get('outputs', []):   # show_doc's Markdown
            if 'text/markdown' in o.get('data', {}): o.data['text/markdown'] = attribute_links(''.join(o.data['text/markdown']))
        cells.append(c)
    nb.cells = cells
    return nb


def exporter():
    "Step 3's nbconvert exporter: the lab template, no prompts, images embedded, MathJax from the installed package"
    import jinja2
    from nbconvert import HTMLExporter
    template = ("{%- extends 'lab/index.html.j2' -%}\n"
                "{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}\n"   # require.js (a CDN's), for widgets: none here
                "{%- block html_head_js_mathjax -%}\n"
                '<script type="text/x-mathjax-config">MathJax.Hub.Config({"HTML-CSS": '
                '{availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null}});</script>\n'
                "{{ super() }}\n{%- endblock html_head_js_mathjax -%}\n")
    return HTMLExporter(extra_loaders=[jinja2.DictLoader({'turbo_sim.html.j2': template})], template_file='turbo_sim.html.j2',
                        embed_images=True, exclude_input_prompt=True, exclude_output_prompt=True, mathjax_url=mathjax_url())


def to_html(processed_nb, nbs=NBS):
    "Steps 2 and 3: the HTML page of the processed notebook at `processed_nb` (relative paths in it resolve in `nbs`)"
    import nbformat
    nb = json.loads(Path(processed_nb).read_text())
    for i, c in enumerate(nb['cells']):   # nbdev's added cells have no id, and its show_doc cells a mark nbformat refuses
        c.setdefault('id', f'cell-{i}'); c.pop('has_sd', None)
    nb = quarto_cells(nbformat.reads(json.dumps(nb), as_version=4), nbs)
    html, _ = exporter().from_notebook_node(nb, resources={'metadata': {'path': str(nbs), 'name': Path(processed_nb).stem}})
    return html


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('notebooks', nargs='+', type=Path)
    p.add_argument('--out', type=Path, required=True, help='folder of the HTML pages (and, with --process-only, of the processed notebooks)')
    p.add_argument('--process-only', action='store_true', help="only step 1; prints 'ERRORS {notebook: error}'")
    a = p.parse_args(argv)
    if a.process_only:
        print('ERRORS', json.dumps(nbdev_process(a.notebooks, a.out)))
        return
    mathjax_js()  # fails early, saying what to install
    a.out.mkdir(parents=True, exist_ok=True)
    import tempfile
    with tempfile.TemporaryDirectory() as proc:
        errors = nbdev_process(a.notebooks, proc)
        for nb in a.notebooks:
            if nb.name in errors: print(f'{nb}: nbdev could not process it:\n{errors[nb.name]}', file=sys.stderr); continue
            page = a.out/nb.with_suffix('.html').name
            page.write_text(to_html(Path(proc)/nb.name, nb.resolve().parent))
            print(page)
    sys.exit(1 if errors else 0)


if __name__ == '__main__': main()
