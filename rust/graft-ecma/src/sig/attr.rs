//! Custom attribute values (ECMA-335 II.23.3).

use super::types::{MethodSig, Type, et};
use super::Reader;
use crate::read::Error;

#[derive(Clone, Debug, PartialEq)]
pub enum Elem {
    Bool(bool),
    Char(u16),
    Int(i64),
    UInt(u64),
    R4(f32),
    R8(f64),
    /// `None` is the null string.
    String(Option<String>),
    /// A `System.Type` argument, by its serialized name.
    Type(Option<String>),
    /// An enum value: underlying integer.
    Enum(i64),
    /// `None` is the null array.
    Array(Option<Vec<Elem>>),
    /// A boxed value (`object` parameter): element type then value.
    Boxed(Box<Elem>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct NamedArg {
    pub is_field: bool,
    pub name: String,
    pub value: Elem,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CustomAttributeValue {
    pub fixed: Vec<Elem>,
    pub named: Vec<NamedArg>,
}

/// Finds the underlying element type of an enum: by type token for fixed
/// arguments, by serialized name for named and boxed ones.
pub trait EnumResolver {
    fn by_token(&self, token: u32) -> Option<u8>;
    fn by_name(&self, name: &str) -> Option<u8>;
}

/// What a value's type is while decoding.
enum Kind {
    Prim(u8),
    Enum(u8),
    SzArray(Box<Kind>),
    Boxed,
    SysType,
}

const MAX_ELEMS: u32 = 1 << 20;

fn kind_of(t: &Type, res: &dyn EnumResolver, r: &Reader) -> Result<Kind, Error> {
    let err = Error::at("custom attribute parameter type not supported", r.pos as u64);
    Ok(match t {
        Type::Prim(et::OBJECT) => Kind::Boxed,
        Type::Prim(b) => Kind::Prim(*b),
        Type::SzArray(e) => Kind::SzArray(Box::new(kind_of(e, res, r)?)),
        Type::ValueType(tok) => Kind::Enum(res.by_token(*tok).ok_or(err)?),
        // Only System.Type can be a class-typed parameter besides string/object.
        Type::Class(_) => Kind::SysType,
        Type::Mod { ty, .. } => kind_of(ty, res, r)?,
        _ => return Err(err),
    })
}

fn ser_string(r: &mut Reader) -> Result<Option<String>, Error> {
    if r.peek()? == 0xFF {
        r.u8()?;
        return Ok(None);
    }
    let n = r.compressed()? as usize;
    let b = r.bytes(n)?;
    Ok(Some(String::from_utf8_lossy(b).into_owned()))
}

fn field_or_prop_type(r: &mut Reader, res: &dyn EnumResolver, depth: u32) -> Result<Kind, Error> {
    if depth > 8 {
        return Err(Error::at("custom attribute type nests too deeply", r.pos as u64));
    }
    let b = r.u8()?;
    Ok(match b {
        et::BOOLEAN..=et::STRING => Kind::Prim(b),
        et::SZARRAY => Kind::SzArray(Box::new(field_or_prop_type(r, res, depth + 1)?)),
        et::TYPE => Kind::SysType,
        et::BOXED => Kind::Boxed,
        et::ENUM => {
            let name = ser_string(r)?.unwrap_or_default();
            Kind::Enum(res.by_name(&name).ok_or(Error::at("enum type in custom attribute not resolved", r.pos as u64))?)
        }
        _ => return Err(Error::at("bad FieldOrPropType in custom attribute", r.pos as u64 - 1)),
    })
}

fn prim(r: &mut Reader, b: u8) -> Result<Elem, Error> {
    let mut n = |k| r.bytes(k);
    Ok(match b {
        et::BOOLEAN => Elem::Bool(n(1)?[0] != 0),
        et::CHAR => Elem::Char(u16::from_le_bytes(n(2)?.try_into().unwrap_or_default())),
        et::I1 => Elem::Int(n(1)?[0] as i8 as i64),
        et::U1 => Elem::UInt(n(1)?[0] as u64),
        et::I2 => Elem::Int(i16::from_le_bytes(n(2)?.try_into().unwrap_or_default()) as i64),
        et::U2 => Elem::UInt(u16::from_le_bytes(n(2)?.try_into().unwrap_or_default()) as u64),
        et::I4 => Elem::Int(i32::from_le_bytes(n(4)?.try_into().unwrap_or_default()) as i64),
        et::U4 => Elem::UInt(u32::from_le_bytes(n(4)?.try_into().unwrap_or_default()) as u64),
        et::I8 => Elem::Int(i64::from_le_bytes(n(8)?.try_into().unwrap_or_default())),
        et::U8 => Elem::UInt(u64::from_le_bytes(n(8)?.try_into().unwrap_or_default())),
        et::R4 => Elem::R4(f32::from_le_bytes(n(4)?.try_into().unwrap_or_default())),
        et::R8 => Elem::R8(f64::from_le_bytes(n(8)?.try_into().unwrap_or_default())),
        et::STRING => Elem::String(ser_string(r)?),
        _ => return Err(Error::at("bad element type in custom attribute", r.pos as u64)),
    })
}

fn value(r: &mut Reader, k: &Kind, res: &dyn EnumResolver, depth: u32) -> Result<Elem, Error> {
    if depth > 8 {
        return Err(Error::at("custom attribute value nests too deeply", r.pos as u64));
    }
    match k {
        Kind::Prim(b) => prim(r, *b),
        Kind::Enum(b) => match prim(r, *b)? {
            Elem::Int(v) => Ok(Elem::Enum(v)),
            Elem::UInt(v) => Ok(Elem::Enum(v as i64)),
            _ => Err(Error::at("enum with non-integer underlying type", r.pos as u64)),
        },
        Kind::SysType => Ok(Elem::Type(ser_string(r)?)),
        Kind::Boxed => {
            let inner = field_or_prop_type(r, res, depth)?;
            Ok(Elem::Boxed(Box::new(value(r, &inner, res, depth + 1)?)))
        }
        Kind::SzArray(e) => {
            let n = u32::from_le_bytes(r.bytes(4)?.try_into().unwrap_or_default());
            if n == u32::MAX {
                return Ok(Elem::Array(None));
            }
            if n > MAX_ELEMS || n as usize > r.data.len() - r.pos.min(r.data.len()) {
                return Err(Error::at("custom attribute array longer than its blob", r.pos as u64));
            }
            let items = (0..n).map(|_| value(r, e, res, depth + 1)).collect::<Result<_, _>>()?;
            Ok(Elem::Array(Some(items)))
        }
    }
}

/// Decodes a custom attribute blob for a constructor with signature `ctor`.
pub fn decode(blob: &[u8], ctor: &MethodSig, res: &dyn EnumResolver) -> Result<CustomAttributeValue, Error> {
    let mut r = Reader::new(blob);
    if r.bytes(2)? != [1, 0] {
        return Err(Error::at("custom attribute prolog is not 0x0001", 0));
    }
    let mut fixed = Vec::with_capacity(ctor.params.len());
    for p in &ctor.params {
        let k = kind_of(p, res, &r)?;
        fixed.push(value(&mut r, &k, res, 0)?);
    }
    let nnamed = u16::from_le_bytes(r.bytes(2)?.try_into().unwrap_or_default());
    let mut named = Vec::new();
    for _ in 0..nnamed {
        let is_field = match r.u8()? {
            et::FIELD => true,
            et::PROPERTY => false,
            _ => return Err(Error::at("named argument is neither field nor property", r.pos as u64 - 1)),
        };
        let k = field_or_prop_type(&mut r, res, 0)?;
        let name = ser_string(&mut r)?.unwrap_or_default();
        let value = value(&mut r, &k, res, 0)?;
        named.push(NamedArg { is_field, name, value });
    }
    Ok(CustomAttributeValue { fixed, named })
}
