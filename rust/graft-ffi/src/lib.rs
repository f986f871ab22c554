//! libgraft: the C ABI over `graft-stages`. Every exported function lives in
//! [`abi`]; everything that crosses is UTF-8 JSON or a plain integer.

pub mod abi;
mod panic;
