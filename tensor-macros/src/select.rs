//! `s!`: numpy's selection syntax turned into typed tensor calls.
//!
//! `s!(x[.., 7..-7, 4])` reads the bracket's selectors left to right and
//! emits one method call per selector on the axis it now refers to:
//!
//! | selector | call |
//! |---|---|
//! | `..` or `:` | none (the axis is kept) |
//! | `a..b` | `.slice::<k, a, b>()` |
//! | `a..` | `.slice_from::<k, a>()` |
//! | `..b` | `.slice::<k, 0, b>()` |
//! | `a..-b` | `.slice_trim::<k, a, b>()` |
//! | `-a..`, `-a..-b` | `.slice_from_end::<k, a, b>()` (`b` = 0 when open) |
//! | `i` (any expression) | `.at::<k>(i)`, which drops axis `k` |
//! | a range with a run-time bound | `.clamped::<k>(lo, hi)` |
//!
//! A bound is static when it is an integer literal, a `{ block }`, or a
//! path whose last segment is in upper case (a const, `HALF` or
//! `consts::HALF`); any other expression is a run-time value. `a..=b` is
//! `a..b + 1`, and Python's `a:b` is accepted for `a..b`.

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};

/// One end of a range.
enum End {
    Open,
    Static { neg: bool, value: TokenStream },
    Run(TokenStream),
}

fn error(span: Span, msg: &str) -> TokenStream {
    quote_spanned!(span=> ::core::compile_error!(#msg))
}

fn is_const_like(t: &[TokenTree]) -> bool {
    match t {
        [TokenTree::Literal(l)] => {
            let s = l.to_string();
            s.chars().next().is_some_and(|c| c.is_ascii_digit())
        }
        [TokenTree::Group(g)] => g.delimiter() == Delimiter::Brace,
        _ => {
            // A path: idents separated by `::`, the last one in upper case.
            let last = t.iter().rev().find_map(|tt| match tt {
                TokenTree::Ident(i) => Some(i.to_string()),
                _ => None,
            });
            let path_only = t.iter().all(|tt| match tt {
                TokenTree::Ident(_) => true,
                TokenTree::Punct(p) => p.as_char() == ':',
                _ => false,
            });
            path_only
                && last.is_some_and(|s| {
                    s.chars().any(|c| c.is_ascii_uppercase())
                        && s.chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                })
        }
    }
}

fn parse_end(t: &[TokenTree]) -> End {
    if t.is_empty() {
        return End::Open;
    }
    let (neg, rest) = match t.first() {
        Some(TokenTree::Punct(p)) if p.as_char() == '-' => (true, &t[1..]),
        _ => (false, t),
    };
    if is_const_like(rest) {
        End::Static {
            neg,
            value: rest.iter().cloned().collect(),
        }
    } else {
        End::Run(t.iter().cloned().collect())
    }
}

/// Splits a selector at its top-level `..`, `..=` or `:`; `None` for an
/// index.
fn split_range(t: &[TokenTree]) -> Option<(Vec<TokenTree>, Vec<TokenTree>, bool)> {
    let mut i = 0;
    while i < t.len() {
        if let TokenTree::Punct(p) = &t[i] {
            if p.as_char() == '.' && p.spacing() == Spacing::Joint {
                if let Some(TokenTree::Punct(q)) = t.get(i + 1) {
                    if q.as_char() == '.' {
                        let inclusive =
                            matches!(t.get(i + 2), Some(TokenTree::Punct(r)) if r.as_char() == '=');
                        let hi_at = if inclusive { i + 3 } else { i + 2 };
                        return Some((t[..i].to_vec(), t[hi_at..].to_vec(), inclusive));
                    }
                }
            }
            if p.as_char() == ':' {
                // Not part of a `::` path separator.
                let next_colon = p.spacing() == Spacing::Joint
                    && matches!(t.get(i + 1), Some(TokenTree::Punct(q)) if q.as_char() == ':');
                if next_colon {
                    i += 2;
                    continue;
                }
                return Some((t[..i].to_vec(), t[i + 1..].to_vec(), false));
            }
        }
        i += 1;
    }
    None
}

/// Expands `s!(expr[selectors])`.
pub fn expand(input: TokenStream) -> TokenStream {
    let tokens: Vec<TokenTree> = input.into_iter().collect();
    let (base, group) = match tokens.split_last() {
        Some((TokenTree::Group(g), base))
            if g.delimiter() == Delimiter::Bracket && !base.is_empty() =>
        {
            (base.iter().cloned().collect::<TokenStream>(), g.clone())
        }
        _ => {
            return error(
                Span::call_site(),
                "s! takes a tensor and numpy's selection in brackets: s!(x[.., 7..-7, 4])",
            )
        }
    };
    let mut selectors: Vec<Vec<TokenTree>> = vec![Vec::new()];
    for tt in group.stream() {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' => selectors.push(Vec::new()),
            _ => selectors
                .last_mut()
                .expect("one selector at least")
                .push(tt),
        }
    }
    if selectors.last().is_some_and(|s| s.is_empty()) && selectors.len() > 1 {
        selectors.pop();
    }
    let mut out = quote!((#base));
    let mut axis = 0usize;
    for sel in &selectors {
        let span = sel.first().map_or(group.span(), |t| t.span());
        if sel.is_empty() {
            return error(
                group.span(),
                "s!: an empty selector; write `..` to keep an axis",
            );
        }
        let Some((lo, hi, inclusive)) = split_range(sel) else {
            let index: TokenStream = sel.iter().cloned().collect();
            out = quote_spanned!(span=> #out.at::<#axis>(#index));
            continue;
        };
        let (lo, mut hi) = (parse_end(&lo), parse_end(&hi));
        if inclusive {
            hi = match hi {
                End::Static { neg: false, value } => End::Static {
                    neg: false,
                    value: quote!({ #value + 1 }),
                },
                End::Run(v) => End::Run(quote!((#v) + 1)),
                _ => return error(span, "s!: `..=` needs a non-negative end"),
            };
        }
        let call = match (lo, hi) {
            (End::Open, End::Open) => None,
            (End::Run(_), _) | (_, End::Run(_)) => {
                let (lo, hi) = match (parse_end_again(sel, true), parse_end_again(sel, false)) {
                    (Ok(l), Ok(h)) => (l, h),
                    _ => return error(span, "s!: a run-time bound cannot be negative; compute it from the length"),
                };
                let hi = if inclusive { quote!((#hi) + 1) } else { hi };
                Some(quote_spanned!(span=> .clamped::<#axis>(#lo, #hi)))
            }
            (End::Open, End::Static { neg: false, value: b }) => {
                Some(quote_spanned!(span=> .slice::<#axis, 0, #b>()))
            }
            (End::Static { neg: false, value: a }, End::Open) => {
                Some(quote_spanned!(span=> .slice_from::<#axis, #a>()))
            }
            (End::Static { neg: false, value: a }, End::Static { neg: false, value: b }) => {
                Some(quote_spanned!(span=> .slice::<#axis, #a, #b>()))
            }
            (End::Open, End::Static { neg: true, value: b }) => {
                Some(quote_spanned!(span=> .slice_trim::<#axis, 0, #b>()))
            }
            (End::Static { neg: false, value: a }, End::Static { neg: true, value: b }) => {
                Some(quote_spanned!(span=> .slice_trim::<#axis, #a, #b>()))
            }
            (End::Static { neg: true, value: a }, End::Open) => {
                Some(quote_spanned!(span=> .slice_from_end::<#axis, #a, 0>()))
            }
            (End::Static { neg: true, value: a }, End::Static { neg: true, value: b }) => {
                Some(quote_spanned!(span=> .slice_from_end::<#axis, #a, #b>()))
            }
            (End::Static { neg: true, .. }, End::Static { neg: false, .. }) => {
                return error(
                    span,
                    "s!: a range from a negative start to a positive end; write both ends from the same side (`-a..-b` or `a..b`)",
                )
            }
        };
        if let Some(call) = call {
            out = quote!(#out #call);
        }
        axis += 1;
    }
    out
}

/// A run-time range's bound as an expression (`0` / `usize::MAX` when
/// open), or `Err` when it is negative.
fn parse_end_again(sel: &[TokenTree], low: bool) -> Result<TokenStream, ()> {
    let (lo, hi, _) = split_range(sel).ok_or(())?;
    let t = if low { lo } else { hi };
    match t.first() {
        None if low => Ok(quote!(0usize)),
        None => Ok(quote!(usize::MAX)),
        Some(TokenTree::Punct(p)) if p.as_char() == '-' => Err(()),
        _ => Ok(t.into_iter().collect()),
    }
}
