//! Table storage for edits, and the row bookkeeping that keeps references,
//! member lists and sorted tables consistent when rows move.

use super::{Editor, ncols};
use crate::raw::tables::all_tables;
use crate::raw::{Col, TableId};
use crate::read::{Error, Table};

pub use crate::read::tables_num::NUM_TABLES;

#[derive(Clone, Debug)]
pub enum TableData<'data> {
    Empty,
    /// Untouched: cells read from the input.
    Raw(Table<'data>),
    /// Changed: row-major cells.
    Owned(Vec<u32>),
}

impl<'data> TableData<'data> {
    pub fn rows(&self, t: TableId) -> u32 {
        match self {
            TableData::Empty => 0,
            TableData::Raw(r) => r.rows,
            TableData::Owned(v) => (v.len() / ncols(t).max(1)) as u32,
        }
    }

    #[inline]
    pub fn get(&self, t: TableId, row: u32, col: usize) -> u32 {
        match self {
            TableData::Empty => 0,
            TableData::Raw(r) => r.get(row, col),
            TableData::Owned(v) => {
                let n = ncols(t);
                if row == 0 || col >= n {
                    return 0;
                }
                v.get((row as usize - 1) * n + col).copied().unwrap_or(0)
            }
        }
    }

    /// Converts to owned cells (decoding a borrowed table once).
    pub fn owned(&mut self, t: TableId) -> &mut Vec<u32> {
        if !matches!(self, TableData::Owned(_)) {
            let n = ncols(t);
            let v = match self {
                TableData::Raw(r) => {
                    let mut v = Vec::with_capacity(r.rows as usize * n);
                    for row in 1..=r.rows {
                        for c in 0..n {
                            v.push(r.get(row, c));
                        }
                    }
                    v
                }
                _ => Vec::new(),
            };
            *self = TableData::Owned(v);
        }
        match self {
            TableData::Owned(v) => v,
            _ => unreachable!("converted above"),
        }
    }

    pub fn is_raw(&self) -> bool {
        matches!(self, TableData::Raw(_))
    }
}

/// List columns (ECMA-335 II.22: a run of rows in another table, ending
/// where the next owner row's run starts).
pub(crate) fn is_list_col(owner: TableId, col: usize) -> bool {
    matches!(
        (owner, col),
        (TableId::TYPE_DEF, 4) | (TableId::TYPE_DEF, 5) | (TableId::METHOD_DEF, 5) | (TableId::EVENT_MAP, 1)
            | (TableId::PROPERTY_MAP, 1) | (TableId::LOCAL_SCOPE, 2) | (TableId::LOCAL_SCOPE, 3)
    )
}

impl Editor<'_, '_> {
    /// Rewrites every reference to rows of `target` through `f` (old row ->
    /// new row), in all tables except the list columns pointing at `target`
    /// when `skip_lists` is set (the caller fixes those itself).
    pub(crate) fn remap_refs(&mut self, target: TableId, skip_lists: bool, f: &dyn Fn(u32) -> u32) {
        for t in all_tables() {
            let schema = t.schema().expect("defined");
            for (c, (_, col)) in schema.cols.iter().enumerate() {
                if skip_lists && is_list_col(t, c) {
                    continue;
                }
                let rows = self.rows(t);
                match col {
                    Col::Table(tt) if *tt == target => {
                        for r in 1..=rows {
                            let v = self.get(t, r, c);
                            let n = f(v);
                            if n != v {
                                self.set(t, r, c, n);
                            }
                        }
                    }
                    Col::Coded(ci) if ci.tables.contains(&Some(target)) => {
                        for r in 1..=rows {
                            let v = self.get(t, r, c);
                            if let Some((tt, row)) = ci.decode(v)
                                && tt == target
                                && row != 0
                            {
                                let n = f(row);
                                if n != row {
                                    self.set(t, r, c, ci.encode(target, n).unwrap_or(v));
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Inserts a row at 1-based `at` of a list-owned table (Field, MethodDef,
    /// Param) belonging to `owner_row` of `owner` (list column `col`), and
    /// shifts every reference to later rows.
    pub(crate) fn insert_list_row(
        &mut self,
        t: TableId,
        at: u32,
        cells: &[u32],
        owner: TableId,
        owner_row: u32,
        col: usize,
    ) -> Result<(), Error> {
        if cells.len() != ncols(t) {
            return Err(Error::row("wrong number of cells for a new row", t, at));
        }
        if self.rows(t) >= 0x00FF_FFFF {
            return Err(Error::row("table is full", t, at));
        }
        let n = ncols(t);
        let v = self.tables[t.0 as usize].owned(t);
        let pos = (at as usize - 1) * n;
        v.splice(pos..pos, cells.iter().copied());
        self.dirty = true;
        let shift = move |r: u32| if r >= at { r + 1 } else { r };
        self.remap_refs(t, true, &shift);
        // Other list columns pointing at `t`: owners after `owner_row` move.
        for ot in all_tables() {
            let schema = ot.schema().expect("defined");
            for (c, (_, colk)) in schema.cols.iter().enumerate() {
                if !is_list_col(ot, c) || *colk != Col::Table(t) {
                    continue;
                }
                for r in 1..=self.rows(ot) {
                    let after = !(ot == owner && c == col && r <= owner_row);
                    let v = self.get(ot, r, c);
                    if after && v >= at {
                        self.set(ot, r, c, v + 1);
                    }
                }
            }
        }
        match t {
            TableId::METHOD_DEF => {
                let orig = self.md.tables.row_count(TableId::METHOD_DEF);
                let m = self.method_map.get_or_insert_with(|| (0..=orig).collect());
                m.iter_mut().skip(1).for_each(|r| *r = shift(*r));
                self.entry_point = remap_token(self.entry_point, TableId::METHOD_DEF, &shift);
                self.remap_pending_bodies(TableId::METHOD_DEF, &shift)?;
            }
            TableId::FIELD => {
                let orig = self.md.tables.row_count(TableId::FIELD);
                let m = self.field_map.get_or_insert_with(|| (0..=orig).collect());
                m.iter_mut().skip(1).for_each(|r| *r = shift(*r));
                self.remap_pending_bodies(TableId::FIELD, &shift)?;
            }
            _ => {}
        }
        self.sort_tables();
        Ok(())
    }

    fn remap_pending_bodies(&mut self, t: TableId, f: &dyn Fn(u32) -> u32) -> Result<(), Error> {
        for b in &mut self.bodies {
            crate::il::decode::remap_tokens(&mut b.code, |tok, _| {
                let n = remap_token(tok, t, f);
                Ok((n != tok).then_some(n))
            })?;
        }
        Ok(())
    }

    /// Deletes a row of a table that no other table points at (ImplMap).
    pub(crate) fn delete_unreferenced_row(&mut self, t: TableId, row: u32) {
        let n = ncols(t);
        let v = self.tables[t.0 as usize].owned(t);
        let pos = (row as usize - 1) * n;
        v.drain(pos..pos + n);
        self.dirty = true;
    }

    /// Restores the order ECMA-335 requires of sorted tables after coded
    /// values changed. GenericParam rows are referenced, so their moves are
    /// remapped; it goes first because GenericParamConstraint sorts by it.
    pub(crate) fn sort_tables(&mut self) {
        let order = [TableId::GENERIC_PARAM].into_iter().chain(all_tables().filter(|t| *t != TableId::GENERIC_PARAM));
        for t in order {
            let schema = t.schema().expect("defined");
            if schema.sort_keys.is_empty() || self.tables[t.0 as usize].is_raw() {
                continue;
            }
            let n = ncols(t);
            let rows = self.rows(t) as usize;
            // Rows compared key column by key column (0-based rows), without allocating.
            let cells = self.tables[t.0 as usize].owned(t);
            let cmp = |a: usize, b: usize| {
                schema.sort_keys.iter().map(|&k| cells[a * n + k].cmp(&cells[b * n + k])).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal)
            };
            if (1..rows).all(|r| cmp(r - 1, r).is_le()) {
                continue;
            }
            let mut perm: Vec<usize> = (0..rows).collect();
            perm.sort_by(|&a, &b| cmp(a, b));
            let old = cells.clone();
            let v = self.tables[t.0 as usize].owned(t);
            for (new_r, &old_r) in perm.iter().enumerate() {
                v[new_r * n..(new_r + 1) * n].copy_from_slice(&old[old_r * n..(old_r + 1) * n]);
            }
            if t == TableId::GENERIC_PARAM {
                let mut inv = vec![0u32; rows + 1];
                for (new_r, &old_r) in perm.iter().enumerate() {
                    inv[old_r + 1] = new_r as u32 + 1;
                }
                self.remap_refs(t, false, &|r| inv.get(r as usize).copied().filter(|&x| x != 0).unwrap_or(r));
            }
        }
    }
}

pub(crate) fn remap_token(tok: u32, t: TableId, f: &dyn Fn(u32) -> u32) -> u32 {
    if tok >> 24 == t.0 as u32 && tok & 0xFF_FFFF != 0 { (tok & 0xFF00_0000) | f(tok & 0xFF_FFFF) } else { tok }
}
