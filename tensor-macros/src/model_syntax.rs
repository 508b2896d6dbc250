//! The syntax of `model!`: `[attrs] vis struct Name[<E>]: INPUT => [layers]`.

use proc_macro2::Span;
use syn::{
    bracketed, parenthesized,
    parse::{Parse, ParseStream},
    punctuated::Punctuated,
    Attribute, Expr, Ident, Token, Type, Visibility,
};

/// A parsed `model!` invocation.
pub struct ModelDef {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    /// The element type parameter, when the model is declared generic over
    /// it (`struct Net<E>: ...`): the model then computes in `f32` or `f64`.
    pub elem: Option<Ident>,
    /// The per-sample input dims, each an expression of type `usize`.
    pub input: Vec<Expr>,
    pub input_span: Span,
    pub layers: Vec<LayerDef>,
}

/// One layer of the stack.
pub struct LayerDef {
    /// The field name: given, or derived from the type.
    pub name: Ident,
    pub ty: Type,
}

fn parse_dim(input: ParseStream) -> syn::Result<Expr> {
    if input.peek(syn::LitInt) {
        Ok(Expr::Lit(input.parse()?))
    } else if input.peek(syn::token::Brace) {
        Ok(Expr::Block(input.parse()?))
    } else if input.peek(Ident) || input.peek(Token![::]) {
        Ok(Expr::Path(input.parse()?))
    } else {
        Err(input.error(
            "expected an input size: a number (784), a const name, a `{ expr }`, or a list of them in parentheses ((28, 28))",
        ))
    }
}

fn snake(ty: &Type) -> String {
    let base = match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    };
    // Keras's names: `Dense` -> `dense`, `MaxPool2D` -> `max_pool2d`,
    // `Conv2D` -> `conv2d` (no break between a digit and the capital after
    // it).
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in base.chars() {
        if c.is_uppercase() {
            if prev.is_some_and(|p| !p.is_ascii_digit()) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        prev = Some(c);
    }
    if out.is_empty() {
        "layer".into()
    } else {
        out
    }
}

impl Parse for ModelDef {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        input.parse::<Token![struct]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `struct`: model! { pub struct Name: 784 => [Dense<512, Relu>, ...] }",
            )
        })?;
        let name: Ident = input.parse()?;
        let elem = if input.peek(Token![<]) {
            input.parse::<Token![<]>()?;
            let e: Ident = input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "expected the element type's parameter, as in `struct Net<E>: 2 => [...]`",
                )
            })?;
            input.parse::<Token![>]>().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "a model takes one parameter, its element type: `struct Net<E>: 2 => [...]`",
                )
            })?;
            Some(e)
        } else {
            None
        };
        input.parse::<Token![:]>().map_err(|e| {
            syn::Error::new(e.span(), "expected `:` and the input shape after the model's name, as in `Mnist: 784 => [...]`")
        })?;
        let input_span = input.span();
        let dims = if input.peek(syn::token::Paren) {
            let content;
            parenthesized!(content in input);
            let list = Punctuated::<Expr, Token![,]>::parse_terminated_with(&content, parse_dim)?;
            if list.is_empty() {
                return Err(syn::Error::new(
                    input_span,
                    "the input shape needs at least one dim",
                ));
            }
            list.into_iter().collect()
        } else {
            vec![parse_dim(input)?]
        };
        input.parse::<Token![=>]>().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `=>` and the list of layers after the input shape",
            )
        })?;
        let content;
        bracketed!(content in input);
        let mut layers = Vec::new();
        let mut i = 0;
        while !content.is_empty() {
            let given =
                if content.peek(Ident) && content.peek2(Token![:]) && !content.peek2(Token![::]) {
                    let n: Ident = content.parse()?;
                    content.parse::<Token![:]>()?;
                    Some(n)
                } else {
                    None
                };
            let ty: Type = content.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "expected a layer type, such as `Dense<512, Relu>`",
                )
            })?;
            let name = given
                .unwrap_or_else(|| Ident::new(&format!("{}_{i}", snake(&ty)), Span::call_site()));
            layers.push(LayerDef { name, ty });
            i += 1;
            if content.is_empty() {
                break;
            }
            content
                .parse::<Token![,]>()
                .map_err(|e| syn::Error::new(e.span(), "expected `,` between layers"))?;
        }
        if layers.is_empty() {
            return Err(syn::Error::new(
                input_span,
                "a model needs at least one layer",
            ));
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the list of layers"));
        }
        Ok(ModelDef {
            attrs,
            vis,
            name,
            elem,
            input: dims,
            input_span,
            layers,
        })
    }
}
