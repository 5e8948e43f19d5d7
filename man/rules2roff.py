#!/usr/bin/env python3
"""rules2roff.py: turn `sipvet --list-rules`'s manual text (man/rules.txt)
into the RULES section of sipvet(1), between the marker comments."""
import re, sys

def esc(s):
    s = s.replace('\\', '\\e').replace('-', '\\-')
    if s.startswith('.') or s.startswith("'"):
        s = '\\&' + s
    return s

def convert(text):
    out = []
    lines = text.split('\n')
    i = 0
    # skip the "RULES" title line
    while i < len(lines) and lines[i].strip() in ('RULES', ''):
        i += 1
    para = []
    def flush(indent):
        if para:
            out.append(esc(' '.join(para)))
            para.clear()
    cur = None
    for line in lines[i:]:
        if not line.strip():
            flush(cur)
            if cur is not None:
                out.append('.PP') if cur == 4 else None
            continue
        ind = len(line) - len(line.lstrip(' '))
        body = line.strip()
        if ind == 0:
            flush(cur)
            m = re.match(r'^([a-z0-9-]+) \((.*)\)$', body)
            if m:
                out.append('.SS ' + esc(m.group(1)))
                out.append('(' + esc(m.group(2)) + ')')
                out.append('.br')
            else:
                out.append('.PP')
                out.append(esc(body))
            cur = 0
        elif ind == 4 and body.endswith(':') and cur in (4, 8, 44):
            flush(cur)
            if cur == 8:
                out.append('.RE')
            out.append('.TP 4')
            out.append('.B ' + esc(body))
            out.append('.RS 4') if False else None
            cur = 44
        elif ind == 4:
            if cur == 8:
                flush(cur); out.append('.RE')
            if cur == 44:
                flush(cur)
            cur = 4
            para.append(body)
        else:
            if cur in (44,):
                flush(cur)
                out.append('.RS 4')
                cur = 8
            para.append(body)
    flush(cur)
    if cur == 8:
        out.append('.RE')
    return '\n'.join(x for x in out if x is not None) + '\n'

if __name__ == '__main__':
    rules = open(sys.argv[1]).read()
    page = open(sys.argv[2]).read()
    start, end = '.\\" BEGIN RULES\n', '.\\" END RULES\n'
    a, b = page.index(start) + len(start), page.index(end)
    page = page[:a] + convert(rules) + page[b:]
    open(sys.argv[2], 'w').write(page)
