//! The C# request generator (build/requests.rs) on small made-up stage
//! crates: what becomes required or nullable, how types are found, and that
//! an attribute it does not understand stops it.

#[path = "../build/requests.rs"]
mod requests;

use std::path::Path;

/// Writes `files` (path, text) under a fresh src folder and generates from it.
fn generate(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    for (path, text) in files {
        let file = src.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    requests::generate(Path::new(&src))
}

const LIB: &str = r#"
stages! {
    /// Does the thing.
    DoThing = "do-thing": thing::Request -> Output via run;
}
"#;

#[test]
fn fields_follow_serde() {
    let cs = generate(&[
        ("lib.rs", LIB),
        (
            "thing/mod.rs",
            r#"
use crate::shared::Part;
pub struct Request {
    /// Where it goes.
    pub output_dir: PathBuf,
    #[serde(default)]
    pub extra_args: Vec<String>,
    #[serde(default = "default_level")]
    pub level: u32,
    pub note: Option<String>,
    #[serde(rename = "kind")]
    pub mode: Mode,
}
#[serde(rename_all = "snake_case")]
pub enum Mode { TimedOut, Done }
pub struct Output { pub parts: Vec<Part>, pub first: Part, #[serde(skip_serializing_if = "Vec::is_empty")] pub notes: Vec<String> }
"#,
        ),
        // `Part` also names a private struct elsewhere; the `use` line decides.
        ("shared.rs", "pub struct Part { pub size: u64 }"),
        ("other/deep.rs", "struct Part { wrong: bool }"),
    ]);
    for line in [
        "public sealed class DoThingRequest",
        "public const string Stage = \"do-thing\";",
        "/// Where it goes.",
        "[JsonPropertyName(\"output_dir\")]",
        "public required string OutputDir { get; set; }",
        "public string[]? ExtraArgs { get; set; }",
        "public uint? Level { get; set; }",
        "public string? Note { get; set; }",
        "[JsonPropertyName(\"kind\")]",
        "public required Mode Mode { get; set; }",
        "[JsonConverter(typeof(JsonStringEnumConverter<Mode>))]",
        "[JsonStringEnumMemberName(\"timed_out\")]",
        "public sealed class DoThingOutput",
        "public required Part[] Parts { get; set; }",
        "public string[]? Notes { get; set; }",
        "public required ulong Size { get; set; }",
    ] {
        assert!(cs.contains(line), "no `{line}` in:\n{cs}");
    }
    assert_eq!(cs.matches("public sealed class Part\n").count(), 1, "{cs}");
    assert!(!cs.contains("Wrong"), "{cs}");
}

#[test]
#[should_panic(expected = "#[serde(flatten)] is not understood by the C# generator")]
fn an_unknown_serde_attribute_stops_the_build() {
    generate(&[
        ("lib.rs", LIB),
        ("thing.rs", "pub struct Request { #[serde(flatten)] pub rest: Other } pub struct Output { pub ok: bool } pub struct Other { pub a: bool }"),
    ]);
}

#[test]
#[should_panic(expected = "no struct or enum `Output`")]
fn a_missing_type_stops_the_build() {
    generate(&[("lib.rs", LIB), ("thing.rs", "pub struct Request { pub a: bool }")]);
}
