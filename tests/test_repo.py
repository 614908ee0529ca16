"The repository keeps its promises: the README shows the commands CI runs, the layout is nbdev's."
from pathlib import Path
import configparser, re
ROOT = Path(__file__).resolve().parents[1]


def readme_commands():
    text = (ROOT/'README.md').read_text()
    return [l.strip() for l in text.splitlines() if l.strip().startswith('python3 -m venv')]


def test_readme_shows_main_and_test_commands():
    cmds = readme_commands()
    assert len(cmds) == 2, cmds
    assert any('nbdev_test' in c and 'pytest' in c for c in cmds)
    assert any('nbdev_test' not in c for c in cmds)


def test_ci_runs_the_readme_test_command():
    test_cmd = next(c for c in readme_commands() if 'nbdev_test' in c)
    tests_part = test_cmd[test_cmd.index('nbdev_test'):]
    ci = (ROOT/'.ci'/'run').read_text().splitlines()
    assert tests_part in [l.strip() for l in ci if not l.strip().startswith('#')], 'the last step of .ci/run must be the README test command'


def test_layout():
    for p in ('settings.ini', 'setup.py', 'nbs', 'turbo_sim', '_quarto.yml', 'tests', 'README.md', 'LICENSE', '.gitignore', '.ci/run', 'nbs/index.ipynb'):
        assert (ROOT/p).exists(), p
    assert (ROOT/'nbs'/'_quarto.yml').resolve() == (ROOT/'_quarto.yml').resolve()
    cfg = configparser.ConfigParser(); cfg.read(ROOT/'settings.ini')
    assert cfg['DEFAULT']['license'] == 'apache2' and 'Apache License' in (ROOT/'LICENSE').read_text()
    assert set(cfg['DEFAULT']['tst_flags'].split()) >= {'slow', 'gpu'}


def test_readme_is_the_index_notebook():
    import subprocess, sys
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'make_readme.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


def test_readme_is_for_users():
    "At most ~1,200 words, no project history (that is CHANGELOG.md), and the pretrained model's domain stated"
    text = (ROOT/'README.md').read_text()
    assert len(text.split()) <= 1200, f'README.md has {len(text.split())} words; the issue asks for at most ~1,200'
    assert not re.search(r'\bStep \d', text), 'README.md tells project history: it belongs in CHANGELOG.md'
    assert (ROOT/'CHANGELOG.md').exists()
    for fact in ('13 TeV', 'e-, nu_e~, b, b~, u, d~', 'electron, missing momentum, jets 1-4 by descending pT', 'GeV'): assert fact in text, fact


def test_readme_troubleshooting_quotes_the_package():
    "Every message the README's troubleshooting table quotes (each piece between '…') is text the package raises"
    section = (ROOT/'README.md').read_text().split('## Troubleshooting', 1)[1].split('\n## ', 1)[0]
    first_cells = [l.split('|')[1] for l in section.splitlines() if l.startswith('| `')]
    pieces = [p.strip() for c in first_cells for span in re.findall(r'`([^`]+)`', c) for p in span.split('…') if p.strip()]
    source = ''.join(p.read_text() for p in (ROOT/'turbo_sim').glob('*.py'))
    assert len(first_cells) >= 5, section
    missing = [p for p in pieces if p not in source]
    assert not missing, f'README.md quotes messages the package no longer has: {missing}'
