//! Instruction decoding: walks code bytes and yields each instruction with
//! its operand and where the operand sits (for in-place token patching).

use super::opcodes::{self, OpInfo, OperandKind};
use crate::le::*;
use crate::read::Error;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Operand {
    None,
    Int(i64),
    Float(f64),
    Var(u16),
    /// Absolute target offset within the code.
    Branch(i64),
    /// Number of targets; read them with [`Instrs::switch_targets`].
    Switch(u32),
    Token(u32),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Instr {
    pub offset: u32,
    /// Opcode value (0xFExx for two-byte opcodes).
    pub code: u16,
    pub info: &'static OpInfo,
    /// Offset of the operand within the code.
    pub operand_offset: u32,
    pub operand: Operand,
    /// Offset of the next instruction.
    pub next: u32,
}

/// Iterator over the instructions of `code`; stops at the first error.
pub struct Instrs<'a> {
    code: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Instrs<'a> {
    pub fn new(code: &'a [u8]) -> Self {
        Instrs { code, pos: 0, failed: false }
    }

    /// Targets of the switch instruction `i` (absolute offsets).
    pub fn switch_targets(code: &'a [u8], i: &Instr) -> impl Iterator<Item = i64> + 'a {
        let n = match i.operand {
            Operand::Switch(n) => n as usize,
            _ => 0,
        };
        let base = i.operand_offset as usize + 4;
        let next = i.next as i64;
        (0..n).map(move |k| next + u32_at(code, base + 4 * k).unwrap_or(0) as i32 as i64)
    }

    fn decode(&mut self) -> Result<Instr, Error> {
        let c = self.code;
        let start = self.pos;
        let err = |what| Error::at(what, start as u64);
        let mut code = c[start] as u16;
        let mut p = start + 1;
        if code == 0xFE {
            code = 0xFE00 | *c.get(p).ok_or(err("truncated two-byte opcode"))? as u16;
            p += 1;
        }
        let info = opcodes::lookup(code).ok_or(err("unknown opcode"))?;
        let operand_offset = p as u32;
        let trunc = err("instruction operand runs past the code");
        let operand = match info.operand {
            OperandKind::None => Operand::None,
            OperandKind::ShortI => Operand::Int(*c.get(p).ok_or(trunc)? as i8 as i64),
            OperandKind::U8 | OperandKind::ShortVar => Operand::Var(*c.get(p).ok_or(trunc)? as u16),
            OperandKind::Var => Operand::Var(u16_at(c, p).ok_or(trunc)?),
            OperandKind::I => Operand::Int(u32_at(c, p).ok_or(trunc)? as i32 as i64),
            OperandKind::I8 => Operand::Int(u64_at(c, p).ok_or(trunc)? as i64),
            OperandKind::ShortR => Operand::Float(f32::from_bits(u32_at(c, p).ok_or(trunc)?) as f64),
            OperandKind::R => Operand::Float(f64::from_bits(u64_at(c, p).ok_or(trunc)?)),
            OperandKind::ShortBrTarget => Operand::Branch((p + 1) as i64 + *c.get(p).ok_or(trunc)? as i8 as i64),
            OperandKind::BrTarget => Operand::Branch((p + 4) as i64 + u32_at(c, p).ok_or(trunc)? as i32 as i64),
            OperandKind::Switch => {
                let n = u32_at(c, p).ok_or(trunc)?;
                // Bounded by the code length before any use of `n`.
                if (n as u64) * 4 > (c.len() - p - 4) as u64 {
                    return Err(err("switch table runs past the code"));
                }
                Operand::Switch(n)
            }
            _ => Operand::Token(u32_at(c, p).ok_or(trunc)?),
        };
        let size = match operand {
            Operand::Switch(n) => 4 + 4 * n as usize,
            _ => info.operand.size(),
        };
        let next = p + size;
        if next > c.len() {
            return Err(trunc);
        }
        self.pos = next;
        Ok(Instr { offset: start as u32, code, info, operand_offset, operand, next: next as u32 })
    }
}

impl Iterator for Instrs<'_> {
    type Item = Result<Instr, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.code.len() {
            return None;
        }
        let r = self.decode();
        self.failed = r.is_err();
        Some(r)
    }
}

/// Rewrites every token operand of `code` in place with `map`; `map`
/// returns `None` to keep a token, `Err` to abort.
pub fn remap_tokens(code: &mut [u8], mut map: impl FnMut(u32, OperandKind) -> Result<Option<u32>, Error>) -> Result<(), Error> {
    let mut patches: Vec<(usize, u32)> = Vec::new();
    for i in Instrs::new(code) {
        let i = i?;
        if let Operand::Token(t) = i.operand
            && let Some(n) = map(t, i.info.operand)?
        {
            patches.push((i.operand_offset as usize, n));
        }
    }
    for (o, t) in patches {
        put_u32(code, o, t);
    }
    Ok(())
}
