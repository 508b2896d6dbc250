//! The code `model!` generates: the struct, its gradients and cache, and its
//! `Layer`, `Parameters` and `LayerSpec` impls.

use crate::model_syntax::ModelDef;
use proc_macro2::TokenStream;
use proc_macro_crate::{crate_name, FoundCrate};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

/// The path of the `nn` crate as the calling crate sees it: through the
/// `shaped` facade when that is the dependency, else `nn` itself.
fn nn_path() -> TokenStream {
    if let Ok(found) = crate_name("shaped") {
        let name = match found {
            FoundCrate::Itself => format_ident!("shaped"),
            FoundCrate::Name(n) => format_ident!("{}", n),
        };
        return quote!(::#name::nn);
    }
    match crate_name("nn") {
        Ok(FoundCrate::Name(n)) => {
            let n = format_ident!("{}", n);
            quote!(::#n)
        }
        _ => quote!(::nn),
    }
}

pub fn expand(def: &ModelDef) -> TokenStream {
    let nn = nn_path();
    let ModelDef {
        attrs,
        vis,
        name,
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
    let input_ty = quote_spanned!(*input_span=> ( #( #nn::tensor_core::Sz<#dims>, )* ));

    // Each layer's concrete type, built for the previous layer's output.
    let mut ins = vec![input_ty.clone()];
    let mut tys = Vec::new();
    let mut checks = Vec::new();
    for l in layers.iter() {
        let spec = &l.ty;
        let prev = ins.last().unwrap().clone();
        let span = spec.span();
        let ty = quote_spanned!(span=> <#spec as #nn::LayerSpec<#prev>>::Layer);
        checks.push(quote_spanned!(span=> const _: () = <#spec as #nn::LayerSpec<#prev>>::CHECK;));
        ins.push(quote!(<#ty as #nn::Layer>::Output));
        tys.push(ty);
    }
    let fields: Vec<_> = layers.iter().map(|l| &l.name).collect();
    let n = layers.len();
    let last_field = fields[n - 1];
    let last_ty = &tys[n - 1];
    let out_fields: Vec<_> = (0..n - 1).map(|i| format_ident!("out_{}", i)).collect();
    let grad_fields: Vec<_> = (0..n - 1).map(|i| format_ident!("grad_{}", i)).collect();
    let cache_fields: Vec<_> = (0..n).map(|i| format_ident!("cache_{}", i)).collect();
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

    // Inference: a chain through temporary buffers.
    let infer = if n == 1 {
        quote!(#nn::Layer::forward(&self.#last_field, x, n, out);)
    } else {
        let mut s = TokenStream::new();
        let f0 = fields[0];
        s.extend(quote!(let mut t_0 = ::std::vec::Vec::new(); #nn::Layer::forward(&self.#f0, x, n, &mut t_0);));
        for (i, f) in fields.iter().enumerate().take(n - 1).skip(1) {
            let (a, b) = (format_ident!("t_{}", i - 1), format_ident!("t_{}", i));
            s.extend(quote!(let mut #b = ::std::vec::Vec::new(); #nn::Layer::forward(&self.#f, &#a, n, &mut #b);));
        }
        let a = format_ident!("t_{}", n - 2);
        s.extend(quote!(#nn::Layer::forward(&self.#last_field, &#a, n, out);));
        s
    };

    // Training forward: through the cache's buffers.
    let mut train = TokenStream::new();
    for i in 0..n {
        let f = fields[i];
        let c = &cache_fields[i];
        let x_i = if i == 0 {
            quote!(x)
        } else {
            let o = &out_fields[i - 1];
            quote!(&cache.#o)
        };
        let o_i = if i == n - 1 {
            quote!(out)
        } else {
            let o = &out_fields[i];
            quote!(&mut cache.#o)
        };
        train.extend(
            quote!(#nn::Layer::forward_train(&self.#f, #x_i, n, #o_i, &mut cache.#c, rng);),
        );
    }

    // Backward: from the last layer down.
    let mut back = TokenStream::new();
    for i in (0..n).rev() {
        let f = fields[i];
        let c = &cache_fields[i];
        let x_i = if i == 0 {
            quote!(x)
        } else {
            let o = &out_fields[i - 1];
            quote!(&cache.#o)
        };
        let (o_i, g_i, skip) = if i == n - 1 {
            (quote!(out), quote!(grad_out), quote!(skip_activation))
        } else {
            let (o, g) = (&out_fields[i], &grad_fields[i]);
            (quote!(&cache.#o), quote!(&mut cache.#g[..]), quote!(false))
        };
        let gin = if i == 0 {
            quote!(grad_in)
        } else {
            let g = &grad_fields[i - 1];
            quote!(Some(&mut cache.#g))
        };
        back.extend(quote!(#nn::Layer::backward(&self.#f, #x_i, #o_i, n, #g_i, #skip, &mut cache.#c, &mut grads.#f, #gin);));
    }

    let doc_grads =
        format!("The gradients of [`{name}`]: one field per layer, shaped like its parameters.");
    let doc_cache = format!("What [`{name}`]'s training forward keeps for backward: each inner layer's output and gradient buffers, reused from step to step.");

    quote! {
        #(#attrs)*
        #vis struct #name {
            #( #[doc = #field_docs] pub #fields: #tys, )*
        }

        #[doc = #doc_grads]
        #vis struct #grads_name {
            #( #[doc = #field_docs] pub #fields: <#tys as #nn::Layer>::Grads, )*
        }

        #[doc = #doc_cache]
        #[derive(Default)]
        #vis struct #cache_name {
            #( #out_fields: ::std::vec::Vec<f32>, )*
            #( #grad_fields: ::std::vec::Vec<f32>, )*
            #( #cache_fields: <#tys as #nn::Layer>::Cache, )*
        }

        #(#checks)*

        #nn::parameters_struct!([] #name { #(#fields),* });
        #nn::parameters_struct!([] #grads_name { #(#fields),* });

        impl #nn::Layer for #name {
            type Input = #input_ty;
            type Output = <#last_ty as #nn::Layer>::Output;
            type Grads = #grads_name;
            type Cache = #cache_name;
            const PARAMS: usize = 0 #( + <#tys as #nn::Layer>::PARAMS )*;
            const FINAL_ACTIVATION: #nn::ActivationKind = <#last_ty as #nn::Layer>::FINAL_ACTIVATION;

            fn init(rng: &mut #nn::__private::StdRng) -> Self {
                #name { #( #fields: <#tys as #nn::Layer>::init(rng), )* }
            }
            fn zero_grads(&self) -> #grads_name {
                #grads_name { #( #fields: #nn::Layer::zero_grads(&self.#fields), )* }
            }
            fn summary_rows(&self, name: &str, rows: &mut ::std::vec::Vec<#nn::SummaryRow>) {
                #(
                    let field = stringify!(#fields);
                    let inner = if name.is_empty() { field.to_string() } else { format!("{name}.{field}") };
                    #nn::Layer::summary_rows(&self.#fields, &inner, rows);
                )*
            }
            fn forward(&self, x: &[f32], n: usize, out: &mut ::std::vec::Vec<f32>) {
                #infer
            }
            fn forward_train(
                &self,
                x: &[f32],
                n: usize,
                out: &mut ::std::vec::Vec<f32>,
                cache: &mut #cache_name,
                rng: &mut #nn::__private::StdRng,
            ) {
                #train
            }
            fn backward(
                &self,
                x: &[f32],
                out: &[f32],
                n: usize,
                grad_out: &mut [f32],
                skip_activation: bool,
                cache: &mut #cache_name,
                grads: &mut #grads_name,
                grad_in: ::core::option::Option<&mut ::std::vec::Vec<f32>>,
            ) {
                #back
            }
            fn set_sparse_policy(&mut self, policy: #nn::tensor_core::kernels::SparsePolicy) {
                #( #nn::Layer::set_sparse_policy(&mut self.#fields, policy); )*
            }
        }

        impl #nn::LayerSpec<#input_ty> for #name {
            type Layer = #name;
        }

        impl #name {
            /// The number of trainable scalars.
            pub const PARAMS: usize = <Self as #nn::Layer>::PARAMS;

            /// A new model with Keras's initializers, drawn from `rng`.
            pub fn new(rng: &mut #nn::__private::StdRng) -> Self {
                <Self as #nn::Layer>::init(rng)
            }

            /// A new model from a seed: the same seed gives the same weights.
            pub fn seeded(seed: u64) -> Self {
                let mut rng = <#nn::__private::StdRng as #nn::__private::SeedableRng>::seed_from_u64(seed);
                Self::new(&mut rng)
            }

            /// Keras's summary table: `Layer (type) | Output Shape | Param #`.
            pub fn summary(&self) -> ::std::string::String {
                #nn::summary::render(stringify!(#name), self)
            }
        }
    }
}
