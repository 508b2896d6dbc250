//! The code `model!` generates: the struct, its gradients and cache, and its
//! `Layer`, `Parameters` and `LayerSpec` impls.

use crate::model_syntax::ModelDef;
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

/// The one path the generated code names `shaped-nn` by: the facade's
/// hidden `::shaped::__private::nn`. A crate that depends on `shaped-nn`
/// alone puts `extern crate shaped_nn as shaped;` in its root, which gives
/// the same path (`shaped_nn::__private::nn` is `shaped_nn` itself).
fn nn_path() -> TokenStream {
    quote!(::shaped::__private::nn)
}

/// The same tokens, all spanned at `span`: the generated code that checks a
/// layer then reports at the layer, not at the whole `model!` invocation.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => {
                let mut out = Group::new(g.delimiter(), respan(g.stream(), span));
                out.set_span(span);
                TokenTree::Group(out)
            }
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}

pub fn expand(def: &ModelDef) -> TokenStream {
    let nn = nn_path();
    let ModelDef {
        attrs,
        vis,
        name,
        elem,
        input,
        input_span,
        layers,
    } = def;
    let grads_name = format_ident!("{}Grads", name);
    let cache_name = format_ident!("{}Cache", name);
    // A literal or a const name goes in as is; another expression in braces.
    let dims: Vec<TokenStream> = input
        .iter()
        .map(|e| match e {
            syn::Expr::Lit(_) | syn::Expr::Path(_) | syn::Expr::Block(_) => quote!(#e),
            e => quote!({ #e }),
        })
        .collect();
    let input_ty = quote_spanned!(*input_span=> ( #( #nn::__private::shaped_core::Sz<#dims>, )* ));

    // For each layer: a const holding its output dims (computed by the
    // spec's `OUT` from its input; a refusal fails this const's evaluation,
    // spanned at the layer), the output shape as a type, and the built layer
    // typed by it. Everything downstream refers to that const, so one refusal
    // gives one error. The items get names derived from the model and field.
    let mut ins = vec![input_ty.clone()];
    let mut aliases = Vec::new();
    let mut items = Vec::new();
    let mut last_dims = None;
    let mut last_f64: Option<proc_macro2::Ident> = None;
    for l in layers.iter() {
        let spec = &l.ty;
        let prev = ins.last().unwrap().clone();
        let span = spec.span();
        let dims_name = format_ident!("{}_{}_output", name, l.name);
        let out_name = format_ident!("{}_{}_Output", name, l.name);
        let layer_name = format_ident!("{}_{}_Layer", name, l.name);
        let nn = respan(nn.clone(), span);
        let support = quote!(#nn::model_support);
        let dims_i = (0..5usize).map(|i| quote!({ #dims_name.dim(#i) }));
        items.push(quote_spanned! {span=>
            #[doc(hidden)]
            #[allow(non_upper_case_globals)]
            const #dims_name: #nn::SampleDims = #support::dims::<
                { #support::rank_or_refuse(&<#spec as #nn::LayerSpec<#prev, f32>>::OUT) },
            >(<#spec as #nn::LayerSpec<#prev, f32>>::OUT);
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            type #out_name = <#support::DimsType<{ #dims_name.rank() }, #(#dims_i),*> as #support::ToShape>::Shape;
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            type #layer_name<__E> = <#spec as #nn::LayerSpec<
                <#prev as #support::Guard<{ #dims_name.rank() > 0 }>>::Passed,
                __E,
            >>::Layer<#out_name>;
            const _: () = #support::check_output::<#layer_name<f32>, #out_name, f32>();
            const _: () = #support::check_input::<#layer_name<f32>, #prev, f32>();
        });
        if elem.is_some() {
            // A model generic over its element type computes in `f64` too:
            // a layer that does not (the convolution) refuses here, at the
            // layer, in the words of its spec's `OUT` for `f64`. Each check
            // names the one before it, so the first refusal is the only
            // error.
            let f64_name = format_ident!("{}_{}_f64", name, l.name);
            let mut input = quote!(<#prev as #support::Guard<{ #dims_name.rank() > 0 }>>::Passed);
            if let Some(before) = &last_f64 {
                input = quote!(<#input as #support::Guard<{ #before.rank() > 0 }>>::Passed);
            }
            items.push(quote_spanned! {span=>
                #[doc(hidden)]
                #[allow(non_upper_case_globals, dead_code)]
                const #f64_name: #nn::SampleDims = #support::dims::<
                    { #support::rank_or_refuse(&<#spec as #nn::LayerSpec<#input, f64>>::OUT) },
                >(::core::result::Result::Ok(#dims_name));
            });
            last_f64 = Some(f64_name);
        }
        ins.push(quote!(#out_name));
        aliases.push(layer_name);
        last_dims = Some(dims_name);
    }
    let last_dims = last_dims.expect("a model has at least one layer");
    let n_layers = layers.len();

    // The element type. A plain model computes in `f32`. A model declared
    // `struct Net<E>` takes `E` bounded by a hidden trait that names each
    // layer's type for `f32` and for `f64` with its input and output
    // shapes, so that the generic impls below see them.
    let elem_trait = format_ident!("__{}Elem", name);
    let (el, impl_params, ty_args, tys) = match elem {
        None => (
            quote!(f32),
            quote!(),
            quote!(),
            aliases.iter().map(|a| quote!(#a<f32>)).collect::<Vec<_>>(),
        ),
        Some(e) => {
            let assoc: Vec<_> = (0..n_layers).map(|i| format_ident!("Layer{}", i)).collect();
            let (ins_i, outs_i) = (&ins[..n_layers], &ins[1..]);
            let doc =
                format!("The layer types of [`{name}`] for each element type it computes in.");
            items.push(quote! {
                #[doc = #doc]
                #[doc(hidden)]
                #[allow(non_camel_case_types)]
                #vis trait #elem_trait: #nn::__private::shaped_core::Float {
                    #( #[doc(hidden)] type #assoc: #nn::Layer<Self, Input = #ins_i, Output = #outs_i>; )*
                }
            });
            for f in [quote!(f32), quote!(f64)] {
                items.push(quote! {
                    impl #elem_trait for #f {
                        #( type #assoc = #aliases<#f>; )*
                    }
                });
            }
            (
                quote!(#e),
                quote!(#e: #elem_trait),
                quote!(<#e>),
                assoc
                    .iter()
                    .map(|a| quote!(<#e as #elem_trait>::#a))
                    .collect(),
            )
        }
    };
    let decl_generics = match elem {
        None => quote!(),
        Some(e) => quote!(<#e: #elem_trait = f32>),
    };
    let last_out = ins.last().unwrap().clone();
    let fields: Vec<_> = layers.iter().map(|l| &l.name).collect();
    let last_ty = &tys[n_layers - 1];
    let out_fields: Vec<_> = (0..n_layers - 1)
        .map(|i| format_ident!("out_{}", i))
        .collect();
    let grad_fields: Vec<_> = (0..n_layers - 1)
        .map(|i| format_ident!("grad_{}", i))
        .collect();
    let cache_fields: Vec<_> = (0..n_layers)
        .map(|i| format_ident!("cache_{}", i))
        .collect();
    let field_docs: Vec<String> = layers
        .iter()
        .map(|l| {
            let t = &l.ty;
            format!(
                "Layer `{}`.",
                quote!(#t)
                    .to_string()
                    .replace(" < ", "<")
                    .replace(" >", ">")
                    .replace(" ,", ",")
            )
        })
        .collect();

    // Inference: a chain through the scratch cache's buffers (the same
    // fields the training forward fills), so that `evaluate` and `predict`
    // allocate nothing after their first batch.
    let mut infer = TokenStream::new();
    for i in 0..n_layers {
        let f = fields[i];
        let c = &cache_fields[i];
        let x_i = if i == 0 {
            quote!(x)
        } else {
            let o = &out_fields[i - 1];
            quote!(#nn::__private::chained(&scratch.#o, n))
        };
        let o_i = if i == n_layers - 1 {
            quote!(out)
        } else {
            let o = &out_fields[i];
            quote!(#nn::BatchMut::resized(&mut scratch.#o, n))
        };
        let t = &tys[i];
        infer.extend(quote!(<#t as #nn::Layer<#el>>::forward_reusing(&self.#f, #x_i, #o_i, &mut scratch.#c);));
    }

    // Training forward: through the cache's buffers.
    let mut train = TokenStream::new();
    for i in 0..n_layers {
        let f = fields[i];
        let c = &cache_fields[i];
        let x_i = if i == 0 {
            quote!(x)
        } else {
            let o = &out_fields[i - 1];
            quote!(#nn::__private::chained(&cache.#o, n))
        };
        let o_i = if i == n_layers - 1 {
            quote!(out)
        } else {
            let o = &out_fields[i];
            quote!(#nn::BatchMut::resized(&mut cache.#o, n))
        };
        let t = &tys[i];
        train.extend(quote!(<#t as #nn::Layer<#el>>::forward_train(&self.#f, #x_i, #o_i, &mut cache.#c, rng);));
    }

    // Backward: from the last layer down.
    let mut back = TokenStream::new();
    for i in (0..n_layers).rev() {
        let f = fields[i];
        let c = &cache_fields[i];
        let x_i = if i == 0 {
            quote!(x)
        } else {
            let o = &out_fields[i - 1];
            quote!(#nn::__private::chained(&cache.#o, n))
        };
        let (o_i, g_i, skip) = if i == n_layers - 1 {
            (quote!(out), quote!(grad_out), quote!(grad_of))
        } else {
            let (o, g) = (&out_fields[i], &grad_fields[i]);
            (
                quote!(#nn::__private::chained(&cache.#o, n)),
                quote!(#nn::__private::chained_mut(&mut cache.#g, n)),
                quote!(#nn::GradOf::Output),
            )
        };
        let gin = if i == 0 {
            quote!(grad_in)
        } else {
            let g = &grad_fields[i - 1];
            quote!(Some(#nn::BatchMut::resized(&mut cache.#g, n)))
        };
        let t = &tys[i];
        back.extend(
            quote!(<#t as #nn::Layer<#el>>::backward(&self.#f, #nn::Backward {
            x: #x_i, out: #o_i, grad_out: #g_i, grad_of: #skip,
            cache: &mut cache.#c, grads: &mut grads.#f, grad_in: #gin,
        });),
        );
    }

    // A model takes any input as a layer and refuses, in decimals, one that
    // is not its own ("Head takes samples of shape (512,); it receives
    // shape (256,)"): the error is then one const's, at the layer that
    // mis-chains it, not a trait error naming `Sz<256>`.
    let spec_impl = {
        let nn = respan(nn.clone(), name.span());
        let who = name.to_string();
        // A plain model computes in `f32`: used as a layer of a model
        // generic over its element type, it refuses `f64` in words, at
        // that layer.
        let f64_refusal = match elem {
            Some(_) => quote!(),
            None => quote_spanned! {name.span()=>
                impl<__S: #nn::Batched> #nn::LayerSpec<__S, f64> for #name {
                    const OUT: ::core::result::Result<#nn::SampleDims, #nn::Reason> =
                        ::core::result::Result::Err(#nn::Reason::new(#who).text(
                            " is declared without <E>, so it computes in f32 only; this model is generic over its element type: declare both with <E>, or this one without",
                        ));
                    type Layer<__Out: #nn::Batched> = #nn::Refused<__S, __Out, f64>;
                }
            },
        };
        quote_spanned! {name.span()=>
            #f64_refusal
            impl<__S: #nn::Batched, #impl_params> #nn::LayerSpec<__S, #el> for #name #ty_args {
                const OUT: ::core::result::Result<#nn::SampleDims, #nn::Reason> =
                    #nn::model_support::takes_only::<__S, #input_ty>(#nn::Reason::new(#who), #last_dims);
                type Layer<__Out: #nn::Batched> = #name #ty_args;
            }
        }
    };

    let doc_grads =
        format!("The gradients of [`{name}`]: one field per layer, shaped like its parameters.");
    let doc_cache = format!("What [`{name}`]'s training forward keeps for backward: each inner layer's output and gradient buffers, reused from step to step.");

    quote! {
        #(#attrs)*
        #vis struct #name #decl_generics {
            #( #[doc = #field_docs] pub #fields: #tys, )*
        }

        #[doc = #doc_grads]
        #vis struct #grads_name #decl_generics {
            #( #[doc = #field_docs] pub #fields: <#tys as #nn::Layer<#el>>::Grads, )*
        }

        #[doc = #doc_cache]
        #vis struct #cache_name #decl_generics {
            #( #out_fields: ::std::vec::Vec<#el>, )*
            #( #grad_fields: ::std::vec::Vec<#el>, )*
            #( #cache_fields: <#tys as #nn::Layer<#el>>::Cache, )*
        }

        impl<#impl_params> ::core::default::Default for #cache_name #ty_args {
            fn default() -> Self {
                #cache_name {
                    #( #out_fields: ::std::vec::Vec::new(), )*
                    #( #grad_fields: ::std::vec::Vec::new(), )*
                    #( #cache_fields: ::core::default::Default::default(), )*
                }
            }
        }

        #(#items)*

        #nn::parameters_struct!([#impl_params] #name #ty_args: Parameters<#el> { #(#fields),* });
        #nn::parameters_struct!([#impl_params] #grads_name #ty_args: Parameters<#el> { #(#fields),* });

        impl<#impl_params> #nn::Layer<#el> for #name #ty_args {
            type Input = #input_ty;
            type Output = #last_out;
            type Grads = #grads_name #ty_args;
            type Cache = #cache_name #ty_args;
            const PARAMS: usize = 0 #( + <#tys as #nn::Layer<#el>>::PARAMS )*;
            const FINAL_ACTIVATION: #nn::ActivationKind = <#last_ty as #nn::Layer<#el>>::FINAL_ACTIVATION;

            fn init(rng: &mut #nn::__private::StdRng) -> Self {
                #name { #( #fields: <#tys as #nn::Layer<#el>>::init(rng), )* }
            }
            fn zero_grads(&self) -> #grads_name #ty_args {
                #grads_name { #( #fields: <#tys as #nn::Layer<#el>>::zero_grads(&self.#fields), )* }
            }
            fn summary_rows(&self, name: &str, rows: &mut ::std::vec::Vec<#nn::SummaryRow>) {
                #(
                    let field = stringify!(#fields);
                    let inner = if name.is_empty() { field.to_string() } else { format!("{name}.{field}") };
                    <#tys as #nn::Layer<#el>>::summary_rows(&self.#fields, &inner, rows);
                )*
            }
            fn forward(
                &self,
                x: #nn::BatchRef<'_, #input_ty, #el>,
                out: #nn::BatchMut<'_, #last_out, #el>,
            ) {
                let mut scratch = <#cache_name #ty_args as ::core::default::Default>::default();
                <Self as #nn::Layer<#el>>::forward_reusing(self, x, out, &mut scratch);
            }
            fn forward_reusing(
                &self,
                x: #nn::BatchRef<'_, #input_ty, #el>,
                out: #nn::BatchMut<'_, #last_out, #el>,
                scratch: &mut #cache_name #ty_args,
            ) {
                let n = x.len();
                #infer
            }
            fn forward_train(
                &self,
                x: #nn::BatchRef<'_, #input_ty, #el>,
                out: #nn::BatchMut<'_, #last_out, #el>,
                cache: &mut #cache_name #ty_args,
                rng: &mut #nn::__private::StdRng,
            ) {
                let n = x.len();
                #train
            }
            fn backward(&self, args: #nn::Backward<'_, Self, #el>) {
                let #nn::Backward { x, out, grad_out, grad_of, cache, grads, grad_in } = args;
                let n = x.len();
                #back
            }
            fn set_compute(&mut self, compute: #nn::Compute) {
                #( <#tys as #nn::Layer<#el>>::set_compute(&mut self.#fields, compute); )*
            }
        }

        #spec_impl

        impl<#impl_params> #name #ty_args {
            /// The number of trainable scalars.
            pub const PARAMS: usize = <Self as #nn::Layer<#el>>::PARAMS;

            /// A new model with Keras's initializers, drawn from `rng`.
            pub fn new(rng: &mut #nn::__private::StdRng) -> Self {
                <Self as #nn::Layer<#el>>::init(rng)
            }

            /// A new model from a seed: the same seed gives the same weights.
            pub fn seeded(seed: u64) -> Self {
                let mut rng = <#nn::__private::StdRng as #nn::__private::SeedableRng>::seed_from_u64(seed);
                Self::new(&mut rng)
            }

            /// Keras's summary table: `Layer (type) | Output Shape | Param #`.
            pub fn summary(&self) -> ::std::string::String {
                #nn::summary::render::<Self, #el>(stringify!(#name), self)
            }
        }
    }
}
