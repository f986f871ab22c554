//! The CIL opcode table (ECMA-335 III.1.2.1 and the two-byte 0xFE page).

/// Operand encodings (ECMA-335 III.1.2, "inline" forms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperandKind {
    None,
    /// int8 (ldc.i4.s)
    ShortI,
    /// int32
    I,
    /// int64
    I8,
    /// float32
    ShortR,
    /// float64
    R,
    /// uint8 local or argument number
    ShortVar,
    /// uint16 local or argument number
    Var,
    /// int8 branch offset
    ShortBrTarget,
    /// int32 branch offset
    BrTarget,
    /// uint32 count then that many int32 offsets
    Switch,
    /// uint8 (unaligned., no.)
    U8,
    /// metadata tokens, by what they name
    Method,
    Field,
    Type,
    String,
    Sig,
    Tok,
}

impl OperandKind {
    /// Operand size in bytes; `Switch` is variable and reports its count field.
    pub fn size(self) -> usize {
        use OperandKind::*;
        match self {
            None => 0,
            ShortI | ShortVar | ShortBrTarget | U8 => 1,
            Var => 2,
            I | ShortR | BrTarget | Switch | Method | Field | Type | String | Sig | Tok => 4,
            I8 | R => 8,
        }
    }

    pub fn is_token(self) -> bool {
        use OperandKind::*;
        matches!(self, Method | Field | Type | String | Sig | Tok)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpInfo {
    pub name: &'static str,
    pub operand: OperandKind,
}

use OperandKind as K;

const fn op(name: &'static str, operand: OperandKind) -> Option<OpInfo> {
    Some(OpInfo { name, operand })
}
const fn n(name: &'static str) -> Option<OpInfo> {
    op(name, K::None)
}
const X: Option<OpInfo> = None;

/// One-byte opcodes 0x00..=0xE0.
pub static ONE_BYTE: [Option<OpInfo>; 0xE1] = [
    n("nop"), n("break"), n("ldarg.0"), n("ldarg.1"), n("ldarg.2"), n("ldarg.3"), n("ldloc.0"), n("ldloc.1"),
    n("ldloc.2"), n("ldloc.3"), n("stloc.0"), n("stloc.1"), n("stloc.2"), n("stloc.3"),
    op("ldarg.s", K::ShortVar), op("ldarga.s", K::ShortVar), // 0x0E
    op("starg.s", K::ShortVar), op("ldloc.s", K::ShortVar), op("ldloca.s", K::ShortVar), op("stloc.s", K::ShortVar), // 0x10
    n("ldnull"), n("ldc.i4.m1"), n("ldc.i4.0"), n("ldc.i4.1"), n("ldc.i4.2"), n("ldc.i4.3"), n("ldc.i4.4"), n("ldc.i4.5"), // 0x14
    n("ldc.i4.6"), n("ldc.i4.7"), n("ldc.i4.8"), op("ldc.i4.s", K::ShortI), // 0x1C
    op("ldc.i4", K::I), op("ldc.i8", K::I8), op("ldc.r4", K::ShortR), op("ldc.r8", K::R), X, n("dup"), n("pop"), // 0x20
    op("jmp", K::Method), op("call", K::Method), op("calli", K::Sig), n("ret"), // 0x27
    op("br.s", K::ShortBrTarget), op("brfalse.s", K::ShortBrTarget), op("brtrue.s", K::ShortBrTarget), // 0x2B
    op("beq.s", K::ShortBrTarget), op("bge.s", K::ShortBrTarget), op("bgt.s", K::ShortBrTarget), op("ble.s", K::ShortBrTarget), // 0x2E
    op("blt.s", K::ShortBrTarget), op("bne.un.s", K::ShortBrTarget), op("bge.un.s", K::ShortBrTarget), op("bgt.un.s", K::ShortBrTarget), // 0x32
    op("ble.un.s", K::ShortBrTarget), op("blt.un.s", K::ShortBrTarget), // 0x36
    op("br", K::BrTarget), op("brfalse", K::BrTarget), op("brtrue", K::BrTarget), op("beq", K::BrTarget), // 0x38
    op("bge", K::BrTarget), op("bgt", K::BrTarget), op("ble", K::BrTarget), op("blt", K::BrTarget), // 0x3C
    op("bne.un", K::BrTarget), op("bge.un", K::BrTarget), op("bgt.un", K::BrTarget), op("ble.un", K::BrTarget), // 0x40
    op("blt.un", K::BrTarget), op("switch", K::Switch), // 0x44
    n("ldind.i1"), n("ldind.u1"), n("ldind.i2"), n("ldind.u2"), n("ldind.i4"), n("ldind.u4"), n("ldind.i8"), n("ldind.i"), // 0x46
    n("ldind.r4"), n("ldind.r8"), n("ldind.ref"), n("stind.ref"), n("stind.i1"), n("stind.i2"), n("stind.i4"), n("stind.i8"), // 0x4E
    n("stind.r4"), n("stind.r8"), n("add"), n("sub"), n("mul"), n("div"), n("div.un"), n("rem"), // 0x56
    n("rem.un"), n("and"), n("or"), n("xor"), n("shl"), n("shr"), n("shr.un"), n("neg"), // 0x5E
    n("not"), n("conv.i1"), n("conv.i2"), n("conv.i4"), n("conv.i8"), n("conv.r4"), n("conv.r8"), n("conv.u4"), // 0x66
    n("conv.u8"), op("callvirt", K::Method), op("cpobj", K::Type), op("ldobj", K::Type), // 0x6E
    op("ldstr", K::String), op("newobj", K::Method), op("castclass", K::Type), op("isinst", K::Type), // 0x72
    n("conv.r.un"), X, X, op("unbox", K::Type), n("throw"), // 0x76
    op("ldfld", K::Field), op("ldflda", K::Field), op("stfld", K::Field), op("ldsfld", K::Field), // 0x7B
    op("ldsflda", K::Field), op("stsfld", K::Field), op("stobj", K::Type), // 0x7F
    n("conv.ovf.i1.un"), n("conv.ovf.i2.un"), n("conv.ovf.i4.un"), n("conv.ovf.i8.un"), // 0x82
    n("conv.ovf.u1.un"), n("conv.ovf.u2.un"), n("conv.ovf.u4.un"), n("conv.ovf.u8.un"), // 0x86
    n("conv.ovf.i.un"), n("conv.ovf.u.un"), op("box", K::Type), op("newarr", K::Type), n("ldlen"), // 0x8A
    op("ldelema", K::Type), // 0x8F
    n("ldelem.i1"), n("ldelem.u1"), n("ldelem.i2"), n("ldelem.u2"), n("ldelem.i4"), n("ldelem.u4"), n("ldelem.i8"), n("ldelem.i"), // 0x90
    n("ldelem.r4"), n("ldelem.r8"), n("ldelem.ref"), n("stelem.i"), n("stelem.i1"), n("stelem.i2"), n("stelem.i4"), n("stelem.i8"), // 0x98
    n("stelem.r4"), n("stelem.r8"), n("stelem.ref"), op("ldelem", K::Type), op("stelem", K::Type), op("unbox.any", K::Type), // 0xA0
    X, X, X, X, X, X, X, X, X, X, X, X, X, // 0xA6..=0xB2
    n("conv.ovf.i1"), n("conv.ovf.u1"), n("conv.ovf.i2"), n("conv.ovf.u2"), n("conv.ovf.i4"), n("conv.ovf.u4"), // 0xB3
    n("conv.ovf.i8"), n("conv.ovf.u8"), // 0xB9
    X, X, X, X, X, X, X, // 0xBB..=0xC1
    op("refanyval", K::Type), n("ckfinite"), X, X, op("mkrefany", K::Type), // 0xC2
    X, X, X, X, X, X, X, X, X, // 0xC7..=0xCF
    op("ldtoken", K::Tok), n("conv.u2"), n("conv.u1"), n("conv.i"), n("conv.ovf.i"), n("conv.ovf.u"), // 0xD0
    n("add.ovf"), n("add.ovf.un"), n("mul.ovf"), n("mul.ovf.un"), n("sub.ovf"), n("sub.ovf.un"), // 0xD6
    n("endfinally"), op("leave", K::BrTarget), op("leave.s", K::ShortBrTarget), n("stind.i"), n("conv.u"), // 0xDC
];

/// Two-byte opcodes 0xFE 0x00..=0x1E.
pub static TWO_BYTE: [Option<OpInfo>; 0x1F] = [
    n("arglist"), n("ceq"), n("cgt"), n("cgt.un"), n("clt"), n("clt.un"),
    op("ldftn", K::Method), op("ldvirtftn", K::Method), X, // 0x06
    op("ldarg", K::Var), op("ldarga", K::Var), op("starg", K::Var), op("ldloc", K::Var), op("ldloca", K::Var), op("stloc", K::Var), // 0x09
    n("localloc"), X, n("endfilter"), op("unaligned.", K::U8), n("volatile."), n("tail."), // 0x0F
    op("initobj", K::Type), op("constrained.", K::Type), n("cpblk"), n("initblk"), op("no.", K::U8), n("rethrow"), X, // 0x15
    op("sizeof", K::Type), n("refanytype"), n("readonly."), // 0x1C
];

/// Looks up an opcode value (0x00..0xE0, or 0xFE00..0xFE1E).
pub fn lookup(code: u16) -> Option<&'static OpInfo> {
    if code < 0x100 {
        ONE_BYTE.get(code as usize)?.as_ref()
    } else if code >> 8 == 0xFE {
        TWO_BYTE.get((code & 0xFF) as usize)?.as_ref()
    } else {
        None
    }
}

/// Finds an opcode by its assembler name.
pub fn by_name(name: &str) -> Option<u16> {
    if let Some(i) = ONE_BYTE.iter().position(|o| o.is_some_and(|o| o.name == name)) {
        return Some(i as u16);
    }
    TWO_BYTE.iter().position(|o| o.is_some_and(|o| o.name == name)).map(|i| 0xFE00 | i as u16)
}
