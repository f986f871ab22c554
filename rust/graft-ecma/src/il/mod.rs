//! CIL method bodies (ECMA-335 II.25.4) and instructions (III).

pub mod body;
pub mod decode;
pub mod opcodes;

pub use body::{EhClause, MethodBody, NewBody};
pub use decode::{Instr, Instrs, Operand};
pub use opcodes::{OpInfo, OperandKind};
