//! Type, method, field, property, locals and method-spec signatures as an
//! owned tree, with a decoder (depth-bounded) and an encoder.

use super::{Reader, put_compressed, put_compressed_i32};
use crate::raw::{TableId, coded};
use crate::read::Error;

/// Nesting limit: real signatures nest a few levels; hostile ones must not
/// exhaust the stack.
pub const MAX_DEPTH: u32 = 64;

pub mod et {
    pub const END: u8 = 0x00;
    pub const VOID: u8 = 0x01;
    pub const BOOLEAN: u8 = 0x02;
    pub const CHAR: u8 = 0x03;
    pub const I1: u8 = 0x04;
    pub const U1: u8 = 0x05;
    pub const I2: u8 = 0x06;
    pub const U2: u8 = 0x07;
    pub const I4: u8 = 0x08;
    pub const U4: u8 = 0x09;
    pub const I8: u8 = 0x0A;
    pub const U8: u8 = 0x0B;
    pub const R4: u8 = 0x0C;
    pub const R8: u8 = 0x0D;
    pub const STRING: u8 = 0x0E;
    pub const PTR: u8 = 0x0F;
    pub const BYREF: u8 = 0x10;
    pub const VALUETYPE: u8 = 0x11;
    pub const CLASS: u8 = 0x12;
    pub const VAR: u8 = 0x13;
    pub const ARRAY: u8 = 0x14;
    pub const GENERICINST: u8 = 0x15;
    pub const TYPEDBYREF: u8 = 0x16;
    pub const I: u8 = 0x18;
    pub const U: u8 = 0x19;
    pub const FNPTR: u8 = 0x1B;
    pub const OBJECT: u8 = 0x1C;
    pub const SZARRAY: u8 = 0x1D;
    pub const MVAR: u8 = 0x1E;
    pub const CMOD_REQD: u8 = 0x1F;
    pub const CMOD_OPT: u8 = 0x20;
    pub const SENTINEL: u8 = 0x41;
    pub const PINNED: u8 = 0x45;
    /// Custom attribute blobs only.
    pub const TYPE: u8 = 0x50;
    pub const BOXED: u8 = 0x51;
    pub const FIELD: u8 = 0x53;
    pub const PROPERTY: u8 = 0x54;
    pub const ENUM: u8 = 0x55;
}

pub mod conv {
    pub const DEFAULT: u8 = 0x0;
    pub const VARARG: u8 = 0x5;
    pub const FIELD: u8 = 0x6;
    pub const LOCAL_SIG: u8 = 0x7;
    pub const PROPERTY: u8 = 0x8;
    pub const GENERICINST: u8 = 0xA;
    pub const GENERIC: u8 = 0x10;
    pub const HASTHIS: u8 = 0x20;
    pub const EXPLICITTHIS: u8 = 0x40;
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ArrayShape {
    pub rank: u32,
    pub sizes: Vec<u32>,
    pub lower_bounds: Vec<i32>,
}

/// A type in a signature. Type tokens are full metadata tokens
/// (TypeDef/TypeRef/TypeSpec).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// A primitive element type (void, bool, ..., string, typedbyref, i, u, object).
    Prim(u8),
    Ptr(Box<Type>),
    ByRef(Box<Type>),
    ValueType(u32),
    Class(u32),
    Var(u32),
    MVar(u32),
    Array(Box<Type>, ArrayShape),
    SzArray(Box<Type>),
    GenericInst { value_type: bool, ty: u32, args: Vec<Type> },
    FnPtr(Box<MethodSig>),
    Mod { required: bool, modifier: u32, ty: Box<Type> },
    Pinned(Box<Type>),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MethodSig {
    /// Calling convention byte, including HASTHIS/GENERIC flags.
    pub conv: u8,
    pub generic_params: u32,
    pub ret: Type,
    pub params: Vec<Type>,
    /// Index in `params` where vararg extras start (SENTINEL position).
    pub sentinel: Option<usize>,
}

/// Any standalone blob signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Signature {
    Method(MethodSig),
    Field(Type),
    Property(MethodSig),
    Locals(Vec<Type>),
    MethodSpec(Vec<Type>),
}

fn type_token(r: &mut Reader) -> Result<u32, Error> {
    let v = r.compressed()?;
    let (t, row) = coded::TYPE_DEF_OR_REF.decode(v).ok_or(Error::at("bad TypeDefOrRef in signature", r.pos as u64))?;
    Ok(t.token(row))
}

fn put_type_token(out: &mut Vec<u8>, tok: u32) {
    let v = coded::TYPE_DEF_OR_REF.encode(TableId((tok >> 24) as u8), tok & 0xFF_FFFF).unwrap_or(0);
    put_compressed(out, v);
}

impl Type {
    pub fn parse(r: &mut Reader, depth: u32) -> Result<Type, Error> {
        if depth > MAX_DEPTH {
            return Err(Error::at("signature nests too deeply", r.pos as u64));
        }
        let d = depth + 1;
        let b = r.u8()?;
        Ok(match b {
            et::VOID..=et::STRING | et::TYPEDBYREF | et::I | et::U | et::OBJECT => Type::Prim(b),
            et::PTR => Type::Ptr(Box::new(Type::parse(r, d)?)),
            et::BYREF => Type::ByRef(Box::new(Type::parse(r, d)?)),
            et::VALUETYPE => Type::ValueType(type_token(r)?),
            et::CLASS => Type::Class(type_token(r)?),
            et::VAR => Type::Var(r.compressed()?),
            et::MVAR => Type::MVar(r.compressed()?),
            et::SZARRAY => Type::SzArray(Box::new(Type::parse(r, d)?)),
            et::ARRAY => {
                let elem = Type::parse(r, d)?;
                let rank = r.compressed()?;
                let nsizes = r.compressed()?;
                // Each entry takes at least one byte: bound before allocating.
                if nsizes as usize > r.data.len() {
                    return Err(Error::at("array shape larger than its signature", r.pos as u64));
                }
                let sizes = (0..nsizes).map(|_| r.compressed()).collect::<Result<_, _>>()?;
                let nlo = r.compressed()?;
                if nlo as usize > r.data.len() {
                    return Err(Error::at("array shape larger than its signature", r.pos as u64));
                }
                let lower_bounds = (0..nlo).map(|_| r.compressed_i32()).collect::<Result<_, _>>()?;
                Type::Array(Box::new(elem), ArrayShape { rank, sizes, lower_bounds })
            }
            et::GENERICINST => {
                let kind = r.u8()?;
                if kind != et::CLASS && kind != et::VALUETYPE {
                    return Err(Error::at("generic instance of neither class nor value type", r.pos as u64));
                }
                let ty = type_token(r)?;
                let n = r.compressed()?;
                if n as usize > r.data.len() {
                    return Err(Error::at("generic argument count larger than its signature", r.pos as u64));
                }
                let args = (0..n).map(|_| Type::parse(r, d)).collect::<Result<_, _>>()?;
                Type::GenericInst { value_type: kind == et::VALUETYPE, ty, args }
            }
            et::FNPTR => Type::FnPtr(Box::new(MethodSig::parse_inner(r, d)?)),
            et::CMOD_REQD | et::CMOD_OPT => {
                let modifier = type_token(r)?;
                Type::Mod { required: b == et::CMOD_REQD, modifier, ty: Box::new(Type::parse(r, d)?) }
            }
            et::PINNED => Type::Pinned(Box::new(Type::parse(r, d)?)),
            _ => return Err(Error::at("unknown element type in signature", r.pos as u64 - 1)),
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Type::Prim(b) => out.push(*b),
            Type::Ptr(t) => {
                out.push(et::PTR);
                t.encode(out)
            }
            Type::ByRef(t) => {
                out.push(et::BYREF);
                t.encode(out)
            }
            Type::ValueType(t) => {
                out.push(et::VALUETYPE);
                put_type_token(out, *t)
            }
            Type::Class(t) => {
                out.push(et::CLASS);
                put_type_token(out, *t)
            }
            Type::Var(n) => {
                out.push(et::VAR);
                put_compressed(out, *n)
            }
            Type::MVar(n) => {
                out.push(et::MVAR);
                put_compressed(out, *n)
            }
            Type::SzArray(t) => {
                out.push(et::SZARRAY);
                t.encode(out)
            }
            Type::Array(t, s) => {
                out.push(et::ARRAY);
                t.encode(out);
                put_compressed(out, s.rank);
                put_compressed(out, s.sizes.len() as u32);
                s.sizes.iter().for_each(|v| put_compressed(out, *v));
                put_compressed(out, s.lower_bounds.len() as u32);
                s.lower_bounds.iter().for_each(|v| put_compressed_i32(out, *v));
            }
            Type::GenericInst { value_type, ty, args } => {
                out.push(et::GENERICINST);
                out.push(if *value_type { et::VALUETYPE } else { et::CLASS });
                put_type_token(out, *ty);
                put_compressed(out, args.len() as u32);
                args.iter().for_each(|a| a.encode(out));
            }
            Type::FnPtr(m) => {
                out.push(et::FNPTR);
                m.encode(out)
            }
            Type::Mod { required, modifier, ty } => {
                out.push(if *required { et::CMOD_REQD } else { et::CMOD_OPT });
                put_type_token(out, *modifier);
                ty.encode(out)
            }
            Type::Pinned(t) => {
                out.push(et::PINNED);
                t.encode(out)
            }
        }
    }

    /// Calls `f` on every type token in the tree, letting it replace them.
    pub fn map_tokens<E>(&mut self, f: &mut impl FnMut(u32) -> Result<u32, E>) -> Result<(), E> {
        match self {
            Type::Prim(_) | Type::Var(_) | Type::MVar(_) => Ok(()),
            Type::Ptr(t) | Type::ByRef(t) | Type::SzArray(t) | Type::Pinned(t) | Type::Array(t, _) => t.map_tokens(f),
            Type::ValueType(t) | Type::Class(t) => {
                *t = f(*t)?;
                Ok(())
            }
            Type::GenericInst { ty, args, .. } => {
                *ty = f(*ty)?;
                args.iter_mut().try_for_each(|a| a.map_tokens(f))
            }
            Type::FnPtr(m) => m.map_tokens(f),
            Type::Mod { modifier, ty, .. } => {
                *modifier = f(*modifier)?;
                ty.map_tokens(f)
            }
        }
    }
}

impl MethodSig {
    fn parse_inner(r: &mut Reader, depth: u32) -> Result<MethodSig, Error> {
        let conv = r.u8()?;
        let generic_params = if conv & conv::GENERIC != 0 { r.compressed()? } else { 0 };
        let n = r.compressed()?;
        if n as usize > r.data.len() {
            return Err(Error::at("parameter count larger than its signature", r.pos as u64));
        }
        let ret = Type::parse(r, depth)?;
        let mut params = Vec::with_capacity(n as usize);
        let mut sentinel = None;
        while params.len() < n as usize {
            if r.peek()? == et::SENTINEL {
                r.u8()?;
                sentinel = Some(params.len());
                continue;
            }
            params.push(Type::parse(r, depth)?);
        }
        Ok(MethodSig { conv, generic_params, ret, params, sentinel })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.conv);
        if self.conv & conv::GENERIC != 0 {
            put_compressed(out, self.generic_params);
        }
        put_compressed(out, self.params.len() as u32);
        self.ret.encode(out);
        for (i, p) in self.params.iter().enumerate() {
            if self.sentinel == Some(i) {
                out.push(et::SENTINEL);
            }
            p.encode(out);
        }
    }

    pub fn map_tokens<E>(&mut self, f: &mut impl FnMut(u32) -> Result<u32, E>) -> Result<(), E> {
        self.ret.map_tokens(f)?;
        self.params.iter_mut().try_for_each(|p| p.map_tokens(f))
    }
}

impl Signature {
    /// Parses any blob signature; the first byte decides the kind. A blob
    /// with no calling-convention byte is a TypeSpec: use [`Type::parse`].
    pub fn parse(blob: &[u8]) -> Result<Signature, Error> {
        let mut r = Reader::new(blob);
        let c = r.peek()?;
        let sig = match c & 0x0F {
            conv::FIELD => {
                r.u8()?;
                Signature::Field(Type::parse(&mut r, 0)?)
            }
            conv::LOCAL_SIG => {
                r.u8()?;
                let n = r.compressed()?;
                if n as usize > blob.len() {
                    return Err(Error::at("local count larger than its signature", r.pos as u64));
                }
                Signature::Locals((0..n).map(|_| Type::parse(&mut r, 0)).collect::<Result<_, _>>()?)
            }
            conv::GENERICINST => {
                r.u8()?;
                let n = r.compressed()?;
                if n as usize > blob.len() {
                    return Err(Error::at("generic argument count larger than its signature", r.pos as u64));
                }
                Signature::MethodSpec((0..n).map(|_| Type::parse(&mut r, 0)).collect::<Result<_, _>>()?)
            }
            conv::PROPERTY => Signature::Property(MethodSig::parse_inner(&mut r, 0)?),
            _ => Signature::Method(MethodSig::parse_inner(&mut r, 0)?),
        };
        Ok(sig)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16);
        match self {
            Signature::Method(m) | Signature::Property(m) => m.encode(&mut out),
            Signature::Field(t) => {
                out.push(conv::FIELD);
                t.encode(&mut out)
            }
            Signature::Locals(ts) => {
                out.push(conv::LOCAL_SIG);
                put_compressed(&mut out, ts.len() as u32);
                ts.iter().for_each(|t| t.encode(&mut out));
            }
            Signature::MethodSpec(ts) => {
                out.push(conv::GENERICINST);
                put_compressed(&mut out, ts.len() as u32);
                ts.iter().for_each(|t| t.encode(&mut out));
            }
        }
        out
    }

    pub fn map_tokens<E>(&mut self, f: &mut impl FnMut(u32) -> Result<u32, E>) -> Result<(), E> {
        match self {
            Signature::Method(m) | Signature::Property(m) => m.map_tokens(f),
            Signature::Field(t) => t.map_tokens(f),
            Signature::Locals(ts) | Signature::MethodSpec(ts) => ts.iter_mut().try_for_each(|t| t.map_tokens(f)),
        }
    }
}

/// Parses a TypeSpec blob.
pub fn parse_type_spec(blob: &[u8]) -> Result<Type, Error> {
    Type::parse(&mut Reader::new(blob), 0)
}
