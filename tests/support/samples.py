"""Realistic source files in every language, with branches, loops, boolean operators, nested
functions, classes and lambdas: inputs for the analyzer and end-to-end tests."""

from __future__ import annotations

from mesh.models import Language

PYTHON = '''\
#!/usr/bin/env python3
"""Inventory helpers."""
import functools


def retry(times=3, message="failed, retrying"):
    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for attempt in range(times):
                try:
                    return fn(*args, **kwargs)
                except (OSError, ValueError) as exc:
                    if attempt == times - 1 or not retryable(exc):
                        raise
                    print(message)
            return None
        return wrapper
    return decorator


def retryable(exc):
    return isinstance(exc, OSError) and exc.errno in (4, 11) or False


class Inventory:
    """Items and their counts."""

    key = staticmethod(lambda item: (item.kind, item.name))

    def __init__(self, items=None):
        self.items = dict(items or {})

    @retry(times=2)
    def restock(self, name: str, count: int = 1) -> int:
        if count <= 0:
            raise ValueError("count must be positive")
        elif name not in self.items:
            self.items[name] = count
        else:
            self.items[name] += count
        return self.items[name]

    def low(self, threshold=5):
        return sorted(n for n, c in self.items.items() if c < threshold and n)

    async def drain(self, queue):
        while not queue.empty():
            name = await queue.get()
            self.items[name] = self.items.get(name, 0) - 1 if name else 0
        else:
            return len(self.items)

    class Report:
        def render(self, inventory, *, width=40):
            lines = []
            for name, count in inventory.items.items():
                lines.append(f"{name:<{width}}{count}")
            return "\\n".join(lines) or "(empty)"
'''

GO = '''\
package store

import (
\t"errors"
\t"sort"
)

type Item struct {
\tName  string
\tCount int
}

type Store struct {
\titems map[string]*Item
}

var ErrEmpty = errors.New("empty name")

func New() *Store { return &Store{items: map[string]*Item{}} }

func (s *Store) Add(name string, n int) error {
\tif name == "" || n < 0 {
\t\treturn ErrEmpty
\t}
\tif it, ok := s.items[name]; ok && it != nil {
\t\tit.Count += n
\t} else {
\t\ts.items[name] = &Item{Name: name, Count: n}
\t}
\treturn nil
}

func (s *Store) Low(threshold int) []string {
\tvar out []string
\tfor name, it := range s.items {
\t\tswitch {
\t\tcase it.Count == 0:
\t\t\tout = append(out, name+" (out)")
\t\tcase it.Count < threshold:
\t\t\tout = append(out, name)
\t\tdefault:
\t\t}
\t}
\tsort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
\treturn out
}

func Map[T, U any](xs []T, f func(T) U) []U {
\tys := make([]U, 0, len(xs))
\tfor _, x := range xs {
\t\tys = append(ys, f(x))
\t}
\treturn ys
}

func Drain(ch <-chan string, done <-chan struct{}) (n int) {
\tcount := func() { n++ }
\tfor {
\t\tselect {
\t\tcase _, ok := <-ch:
\t\t\tif !ok {
\t\t\t\treturn
\t\t\t}
\t\t\tcount()
\t\tcase <-done:
\t\t\treturn
\t\t}
\t}
}
'''

C = '''\
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX(a, b) ((a) > (b) ? (a) : (b))

struct buffer {
    char *data;
    size_t len, cap;
};

static int grow(struct buffer *b, size_t need)
{
    if (b->cap >= need)
        return 0;
    size_t cap = MAX(b->cap * 2, need);
    char *p = realloc(b->data, cap);
    if (!p || cap < need)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int buffer_append(struct buffer *b, const char *s, size_t n)
{
    if (grow(b, b->len + n + 1) != 0)
        goto fail;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\\0';
    return 0;
fail:
    fprintf(stderr, "out of memory\\n");
    return -1;
}

static const char *kind(int c)
{
    switch (c) {
    case ' ': case '\\t':
        return "space";
    case '\\n':
        return "newline";
    default:
        return (c >= '0' && c <= '9') ? "digit" : "other";
    }
}

int count_words(const char *s, int (*is_sep)(int))
{
    int words = 0, in_word = 0;
    for (; *s; s++) {
        if (is_sep(*s) || *s == ',') {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            words++;
        }
    }
    while (0) { }
    return words;
}

int main(int argc, char **argv)
{
    struct buffer b = {0};
    for (int i = 1; i < argc; i++)
        buffer_append(&b, argv[i], strlen(argv[i]));
    printf("%s %s\\n", b.data ? b.data : "", kind(argc));
    free(b.data);
    return 0;
}
'''

C_HEADER = '''\
#ifndef RING_H
#define RING_H

typedef struct { int head, tail, size; int *slots; } ring;

static inline int ring_full(const ring *r) { return (r->tail + 1) % r->size == r->head; }

static inline int ring_push(ring *r, int v)
{
    if (ring_full(r) || !r->slots)
        return 0;
    r->slots[r->tail] = v;
    r->tail = (r->tail + 1) % r->size;
    return 1;
}

int ring_pop(ring *r, int *out);

#endif
'''

CPP = '''\
#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace shop {

template <typename T>
class Ledger {
public:
    explicit Ledger(std::string owner) : owner_(std::move(owner)), total_(0) {}
    ~Ledger() { entries_.clear(); }

    void add(const std::string& key, T amount) {
        if (amount < T{} && !allow_negative_)
            throw std::invalid_argument("negative amount");
        entries_[key] += amount;
        total_ += amount;
    }

    T total() const { return total_; }

    std::vector<std::string> over(T limit) const {
        std::vector<std::string> keys;
        for (const auto& [key, value] : entries_) {
            if (value > limit || key.empty())
                keys.push_back(key);
        }
        std::sort(keys.begin(), keys.end(),
                  [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
        return keys;
    }

    Ledger& operator+=(const Ledger& other) {
        for (auto it = other.entries_.begin(); it != other.entries_.end(); ++it)
            add(it->first, it->second);
        return *this;
    }

private:
    std::string owner_;
    std::map<std::string, T> entries_;
    T total_;
    bool allow_negative_ = false;
};

int parse_quantity(const std::string& text) {
    try {
        int n = std::stoi(text);
        return n < 0 ? 0 : n;
    } catch (const std::invalid_argument&) {
        return -1;
    } catch (...) {
        throw;
    }
}

}  // namespace shop

int main() {
    shop::Ledger<double> ledger("me");
    ledger.add("tea", 2.5);
    auto twice = [&ledger](double x) mutable { ledger.add("x", x); return x * 2; };
    return twice(1.0) > 1 && shop::parse_quantity("3") == 3 ? 0 : 1;
}
'''

JAVA = '''\
package shop;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

public class Orders<T extends Comparable<T>> implements Iterable<T> {
    private final List<T> items = new ArrayList<>();

    public interface Listener {
        void changed(String what);
    }

    @Override
    public java.util.Iterator<T> iterator() {
        return items.iterator();
    }

    public boolean add(T item, Listener listener) {
        if (item == null || items.contains(item)) {
            return false;
        }
        items.add(item);
        if (listener != null) listener.changed("added");
        return true;
    }

    public List<T> select(Predicate<T> keep, int limit) {
        List<T> out = new ArrayList<>();
        for (T item : items) {
            if (out.size() >= limit) break;
            if (keep.test(item) && !out.contains(item)) out.add(item);
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    static String describe(int status) {
        switch (status) {
            case 0: return "new";
            case 1: return "paid";
            case 2:
            case 3: return "shipped";
            default: return status < 0 ? "invalid" : "unknown";
        }
    }

    int total(Map<String, Integer> prices) {
        int sum = 0;
        try {
            for (Map.Entry<String, Integer> e : prices.entrySet()) {
                sum += e.getValue() == null ? 0 : e.getValue();
            }
        } catch (ArithmeticException ex) {
            sum = -1;
        } finally {
            items.removeIf(x -> x == null);
        }
        return sum;
    }

    Listener logger() {
        return new Listener() {
            @Override
            public void changed(String what) {
                if (what != null) System.out.println(what);
            }
        };
    }

    static class Counter {
        private int n;

        void bump(int by) {
            while (by-- > 0) n++;
        }
    }
}
'''

JAVASCRIPT = '''\
'use strict';

const DEFAULTS = { retries: 3, delay: 100 };

function debounce(fn, wait = 50) {
  let timer = null;
  return function debounced(...args) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => fn.apply(this, args), wait);
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function fetchWithRetry(url, options = {}) {
  const { retries, delay } = { ...DEFAULTS, ...options };
  for (let i = 0; i <= retries; i++) {
    try {
      const res = await fetch(url);
      if (res.ok || res.status === 404) return res;
    } catch (err) {
      if (i === retries && !options.quiet) throw err;
    }
    await sleep(delay * (i + 1));
  }
  return null;
}

class Cart {
  constructor(items) {
    this.items = items ?? [];
  }

  get total() {
    return this.items.reduce((sum, item) => sum + item.price * (item.qty || 1), 0);
  }

  add(item) {
    const found = this.items.find((x) => x.id === item.id);
    if (found) {
      found.qty += 1;
    } else {
      this.items.push({ ...item, qty: 1 });
    }
    return this;
  }

  static fromJSON(text) {
    const data = JSON.parse(text);
    return new Cart(Array.isArray(data) ? data : data?.items);
  }

  *[Symbol.iterator]() {
    for (const item of this.items) yield item;
  }
}

const formatter = {
  currency: 'EUR',
  format(amount) {
    switch (typeof amount) {
      case 'number': return `${amount.toFixed(2)} ${this.currency}`;
      case 'string': return amount;
      default: return '';
    }
  },
};

module.exports = { debounce, fetchWithRetry, Cart, formatter };
'''

ES_MODULE = '''\
export const pick = (obj, keys) =>
  Object.fromEntries(keys.filter((k) => k in obj).map((k) => [k, obj[k]]));

export default function groupBy(list, key) {
  const out = {};
  for (const item of list) {
    const k = typeof key === 'function' ? key(item) : item[key];
    (out[k] ||= []).push(item);
  }
  return out;
}
'''

JSX = '''\
import React, { useEffect, useState } from 'react';

export function ItemList({ items, onSelect }) {
  const [selected, setSelected] = useState(null);

  useEffect(() => {
    if (items.length === 0 && selected !== null) {
      setSelected(null);
    }
  }, [items, selected]);

  const handleClick = (item) => {
    setSelected(item.id);
    onSelect && onSelect(item);
  };

  if (!items.length) {
    return <p className="empty">Nothing here</p>;
  }

  return (
    <ul>
      {items.map((item) => (
        <li key={item.id} onClick={() => handleClick(item)}>
          {item.id === selected ? <strong>{item.name}</strong> : item.name}
        </li>
      ))}
    </ul>
  );
}

export default class Counter extends React.Component {
  state = { n: 0 };

  increment() {
    this.setState(({ n }) => ({ n: n < 10 ? n + 1 : n }));
  }

  render() {
    return <button onClick={() => this.increment()}>{this.state.n}</button>;
  }
}
'''

TYPESCRIPT = '''\
export interface Item {
  id: number;
  name: string;
  price?: number;
}

export enum Status { Open, Closed }

type Predicate<T> = (value: T) => boolean;

export function filterBy<T>(items: T[], ...preds: Predicate<T>[]): T[] {
  return items.filter((item) => preds.every((p) => p(item)));
}

export class Repository<T extends Item> {
  private readonly byId = new Map<number, T>();

  constructor(private status: Status = Status.Open) {}

  save(item: T): boolean {
    if (this.status === Status.Closed || item.id < 0) {
      return false;
    }
    this.byId.set(item.id, item);
    return true;
  }

  find(id: number, fallback?: T): T | undefined {
    return this.byId.get(id) ?? fallback;
  }

  async total(discount = 0): Promise<number> {
    let sum = 0;
    for (const item of this.byId.values()) {
      sum += item.price ?? 0;
    }
    return discount > 0 && sum > 0 ? sum * (1 - discount) : sum;
  }

  private describe(item: T): string {
    switch (item.name.length) {
      case 0:
        return 'unnamed';
      default:
        return item.name?.trim() || 'blank';
    }
  }
}

export const cheapest = (items: Item[]): Item | null =>
  items.reduce<Item | null>(
    (best, x) => (!best || (x.price ?? 0) < (best.price ?? 0) ? x : best), null);
'''

TSX = '''\
import React, { useMemo } from 'react';

interface Props {
  items: { id: number; label: string; done: boolean }[];
  filter?: 'all' | 'open' | 'done';
  onToggle: (id: number) => void;
}

export const TodoList: React.FC<Props> = ({ items, filter = 'all', onToggle }) => {
  const visible = useMemo(
    () => items.filter((t) => filter === 'all' || (filter === 'done' ? t.done : !t.done)),
    [items, filter],
  );

  if (visible.length === 0) {
    return <em>No todos</em>;
  }

  return (
    <ul>
      {visible.map((t) => (
        <li key={t.id} onClick={() => onToggle(t.id)}>
          {t.done ? <s>{t.label}</s> : t.label}
        </li>
      ))}
    </ul>
  );
};

export function count(items: Props['items']): number {
  let n = 0;
  for (const t of items) {
    if (!t.done) n++;
  }
  return n;
}
'''

RUST = '''\
use std::collections::HashMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Num(f64),
    Op(char),
    LParen,
    RParen,
}

#[derive(Debug)]
pub struct ParseError {
    pub pos: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "parse error at {}", self.pos)
    }
}

pub fn tokenize(input: &str) -> Result<Vec<Token>, ParseError> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some((pos, c)) = chars.next() {
        match c {
            ' ' | '\\t' => continue,
            '+' | '-' | '*' | '/' => tokens.push(Token::Op(c)),
            '(' => tokens.push(Token::LParen),
            ')' => tokens.push(Token::RParen),
            d if d.is_ascii_digit() => {
                let mut s = d.to_string();
                while let Some(&(_, n)) = chars.peek() {
                    if n.is_ascii_digit() || n == '.' {
                        s.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Num(s.parse().map_err(|_| ParseError { pos })?));
            }
            _ => return Err(ParseError { pos }),
        }
    }
    Ok(tokens)
}

pub trait Store {
    fn get(&self, key: &str) -> Option<i64>;
    fn total(&self, keys: &[&str]) -> i64 {
        keys.iter().filter_map(|k| self.get(k)).sum()
    }
}

pub struct Memory {
    values: HashMap<String, i64>,
}

impl Store for Memory {
    fn get(&self, key: &str) -> Option<i64> {
        if key.is_empty() && self.values.is_empty() {
            None
        } else {
            self.values.get(key).copied()
        }
    }
}

pub fn largest<T>(items: &[T]) -> Option<&T>
where
    T: PartialOrd,
{
    let mut best = items.first()?;
    for item in items {
        if item > best || false {
            best = item;
        }
    }
    Some(best)
}
'''

SOURCES: list[tuple[str, Language, str]] = [
    ("inventory.py", "python", PYTHON),
    ("store.go", "go", GO),
    ("buffer.c", "c", C),
    ("ring.h", "c", C_HEADER),
    ("ledger.cpp", "cpp", CPP),
    ("ledger.hpp", "cpp", CPP),
    ("Orders.java", "java", JAVA),
    ("cart.js", "javascript", JAVASCRIPT),
    ("pick.mjs", "javascript", ES_MODULE),
    ("ItemList.jsx", "javascript", JSX),
    ("repository.ts", "typescript", TYPESCRIPT),
    ("TodoList.tsx", "typescript", TSX),
    ("tokens.rs", "rust", RUST),
]

# At least this many functions must be found in each source, so that a broken oracle (or a
# reader that finds nothing) cannot make "equal to the CLI" pass with two empty lists.
MIN_FUNCTIONS = {
    "inventory.py": 9, "store.go": 7, "buffer.c": 5, "ring.h": 2, "ledger.cpp": 8,
    "ledger.hpp": 8, "Orders.java": 8, "cart.js": 14, "pick.mjs": 4, "ItemList.jsx": 5,
    "repository.ts": 9, "TodoList.tsx": 6, "tokens.rs": 5,
}
