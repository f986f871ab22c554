using System.Diagnostics;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text;

namespace Graft.Ecma.Checker;

static class Program
{
    const string Usage = """
        usage:
          MetadataChecker check [options] <assembly|directory>...
              --pdb <file>        portable PDB for the assembly named just before it (or the next one)
              --sibling-pdbs      also check <name>.pdb next to each assembly when it is a portable PDB
              --max-problems <n>  print at most n problem lines per assembly (default 200; all are counted)
              -q                  no summary lines, only problems
          MetadataChecker dump <assembly> [-o <file>] [--pdb <file>] [--no-pe]
              --no-pe             leave out the [pe] and [debug] sections (file-layout facts)
          MetadataChecker compare <original> <rewritten> [--no-pe] [--pdb-a <file>] [--pdb-b <file>] [--max-lines <n>]
              dumps both in memory; exit 0 when the dumps are identical, 1 (with the differing
              sections and their first differing lines) when not
        exit codes: 0 all fine, 1 problems found, 2 usage error
        """;

    static int Main(string[] args)
    {
        if (args.Length == 0) return UsageError("no command");
        try
        {
            return args[0] switch
            {
                "check" => Check(args[1..]),
                "dump" => Dump(args[1..]),
                "compare" => Compare(args[1..]),
                "-h" or "--help" or "help" => Help(),
                _ => UsageError($"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException e) { return UsageError(e.Message); }
    }

    sealed class UsageException(string m) : Exception(m);

    static int Help() { Console.WriteLine(Usage); return 0; }

    static int UsageError(string message)
    {
        Console.Error.WriteLine($"MetadataChecker: {message}");
        Console.Error.WriteLine(Usage);
        return 2;
    }

    static string Next(string[] a, ref int i) => ++i < a.Length ? a[i] : throw new UsageException($"{a[i - 1]} needs a value");

    sealed class Input(string path, bool fromDirectory)
    {
        public string Path = path;
        public bool FromDirectory = fromDirectory;
        public string? Pdb;
    }

    static int Check(string[] args)
    {
        var inputs = new List<Input>();
        string? pendingPdb = null;
        bool siblingPdbs = false, quiet = false;
        int maxProblems = 200;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            switch (a)
            {
                case "--pdb":
                    {
                        string pdb = Next(args, ref i);
                        if (!File.Exists(pdb)) throw new UsageException($"no such PDB: {pdb}");
                        if (inputs.Count > 0 && inputs[^1].Pdb == null && !inputs[^1].FromDirectory) inputs[^1].Pdb = pdb;
                        else pendingPdb = pdb;
                        break;
                    }
                case "--sibling-pdbs": siblingPdbs = true; break;
                case "-q": quiet = true; break;
                case "--max-problems":
                    if (!int.TryParse(Next(args, ref i), out maxProblems) || maxProblems < 0) throw new UsageException("--max-problems needs a number");
                    break;
                default:
                    if (a.StartsWith('-')) throw new UsageException($"unknown option {a}");
                    if (Directory.Exists(a))
                    {
                        var files = Directory.GetFiles(a, "*.dll").Order(StringComparer.Ordinal).ToList();
                        if (files.Count == 0) throw new UsageException($"no *.dll in {a}");
                        inputs.AddRange(files.Select(f => new Input(f, true)));
                    }
                    else if (File.Exists(a))
                    {
                        inputs.Add(new Input(a, false) { Pdb = pendingPdb });
                        pendingPdb = null;
                    }
                    else throw new UsageException($"no such file or directory: {a}");
                    break;
            }
        }
        if (inputs.Count == 0) throw new UsageException("check needs at least one assembly or directory");
        if (pendingPdb != null) throw new UsageException($"--pdb {pendingPdb} is not attached to an assembly");

        using var set = new AssemblySet();
        foreach (var inp in inputs)
        {
            set.AddFile(inp.Path);
            set.AddDirectory(Path.GetDirectoryName(Path.GetFullPath(inp.Path))!);
        }
        set.AddDirectory(RuntimeEnvironment.GetRuntimeDirectory());

        var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false };
        int failed = 0, skipped = 0, ok = 0;
        long totalRows = 0, totalBodies = 0, totalSigs = 0, totalAttrs = 0, totalEnum = 0;
        var all = Stopwatch.StartNew();
        foreach (var inp in inputs)
        {
            if (inp.FromDirectory && !IsCliImage(inp.Path)) { skipped++; if (!quiet) stdout.WriteLine($"{inp.Path}: skipped (not a CLI image)"); continue; }
            string? pdb = inp.Pdb;
            if (pdb == null && siblingPdbs)
            {
                var sib = Path.ChangeExtension(inp.Path, ".pdb");
                if (File.Exists(sib) && IsPortablePdb(sib)) pdb = sib;
            }
            var problems = new Problems(inp.Path, maxProblems);
            var sw = Stopwatch.StartNew();
            var checker = new AssemblyChecker(inp.Path, pdb, set, problems);
            checker.Run();
            sw.Stop();
            foreach (var line in problems.Lines) stdout.WriteLine(line);
            if (problems.Count > problems.Lines.Count) stdout.WriteLine($"{inp.Path}: -: {problems.Count - problems.Lines.Count} more problem(s) not shown");
            var s = checker.S;
            totalRows += s.Rows; totalBodies += s.Bodies; totalSigs += s.Signatures; totalAttrs += s.Attributes; totalEnum += s.AttributesEnumUnresolved;
            if (problems.Count > 0) failed++; else ok++;
            if (!quiet)
            {
                var pdbText = s.PdbCount == 0 ? "" :
                    $" pdb(s)={s.PdbCount} [rows={s.PdbRows} documents={s.PdbDocuments} methods={s.PdbMethods} sequence-points={s.SequencePoints} scopes={s.PdbScopes} imports={s.PdbImports}/{s.PdbImportDefinitions} cdi={s.PdbCdis}]";
                stdout.WriteLine($"{inp.Path}: {(problems.Count == 0 ? "OK" : $"FAIL {problems.Count} problem(s)")} tables={s.Tables} rows={s.Rows} cells={s.Cells} " +
                    $"bodies={s.Bodies} il-bytes={s.IlBytes} instructions={s.Instructions} tokens={s.Tokens} eh={s.EhClauses} native-bodies={s.NativeBodies} bodiless={s.NoBody} " +
                    $"signatures={s.Signatures} field-standalone-sigs={s.FieldStandAloneSigs} attributes={s.Attributes} enum-args-unresolved={s.AttributesEnumUnresolved} " +
                    $"user-strings={s.UserStrings} blobs={s.Blobs} guids={s.Guids} resources={s.Resources} rva-fields={s.FieldRvas} debug-entries={s.DebugEntries}{pdbText} " +
                    $"time={sw.ElapsedMilliseconds}ms");
            }
            stdout.Flush();
        }
        if (!quiet && inputs.Count > 1)
            stdout.WriteLine($"total: {ok} OK, {failed} with problems, {skipped} skipped; rows={totalRows} bodies={totalBodies} signatures={totalSigs} attributes={totalAttrs} enum-args-unresolved={totalEnum} time={all.ElapsedMilliseconds}ms");
        stdout.Flush();
        return failed > 0 ? 1 : 0;
    }

    static bool IsCliImage(string path)
    {
        try
        {
            using var fs = File.OpenRead(path);
            using var pe = new PEReader(fs);
            return pe.PEHeaders.CorHeader != null;
        }
        catch (BadImageFormatException) { return false; }
    }

    static bool IsPortablePdb(string path)
    {
        using var fs = File.OpenRead(path);
        Span<byte> sig = stackalloc byte[4];
        return fs.Read(sig) == 4 && sig.SequenceEqual("BSJB"u8);
    }

    static int Compare(string[] args)
    {
        var files = new List<string>();
        string? pdbA = null, pdbB = null;
        bool noPe = false;
        int maxLines = 20;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--pdb-a": pdbA = Next(args, ref i); break;
                case "--pdb-b": pdbB = Next(args, ref i); break;
                case "--no-pe": noPe = true; break;
                case "--max-lines":
                    if (!int.TryParse(Next(args, ref i), out maxLines) || maxLines < 0) throw new UsageException("--max-lines needs a number");
                    break;
                default:
                    if (args[i].StartsWith('-')) throw new UsageException($"unknown option {args[i]}");
                    files.Add(args[i]);
                    break;
            }
        }
        if (files.Count != 2) throw new UsageException("compare takes two assemblies");
        foreach (var f in files.Concat(new[] { pdbA, pdbB }.OfType<string>()))
            if (!File.Exists(f)) throw new UsageException($"no such file: {f}");
        string[]? a, b;
        try
        {
            a = DumpLines(files[0], noPe, pdbA);
            b = DumpLines(files[1], noPe, pdbB);
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or IOException)
        {
            Console.Error.WriteLine($"compare: cannot dump: {e.GetType().Name}: {e.Message}");
            return 1;
        }
        var sa = Sections(a);
        var sb = Sections(b);
        int differing = 0;
        var stdout = Console.Out;
        foreach (var name in sa.Keys.Union(sb.Keys))
        {
            var la = sa.GetValueOrDefault(name) ?? [];
            var lb = sb.GetValueOrDefault(name) ?? [];
            if (la.SequenceEqual(lb)) continue;
            differing++;
            // multiset difference: which lines exist only on one side (robust to moved rows)
            var onlyA = Minus(la, lb);
            var onlyB = Minus(lb, la);
            stdout.WriteLine($"{name}: {la.Count} vs {lb.Count} lines; {onlyA.Count} only in {files[0]}, {onlyB.Count} only in {files[1]}{(onlyA.Count == 0 && onlyB.Count == 0 ? " (same lines, different order)" : "")}");
            foreach (var l in onlyA.Take(maxLines)) stdout.WriteLine("- " + Trim(l));
            foreach (var l in onlyB.Take(maxLines)) stdout.WriteLine("+ " + Trim(l));
        }
        stdout.WriteLine(differing == 0 ? $"identical ({a.Length} lines)" : $"{differing} section(s) differ");
        return differing == 0 ? 0 : 1;
    }

    static List<string> Minus(List<string> x, List<string> y)
    {
        var count = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var l in y) count[l] = count.GetValueOrDefault(l) + 1;
        var result = new List<string>();
        foreach (var l in x)
        {
            if (count.TryGetValue(l, out int n) && n > 0) count[l] = n - 1;
            else result.Add(l);
        }
        return result;
    }

    static string Trim(string l) => l.Length > 400 ? l[..400] + "..." : l;

    static string[] DumpLines(string path, bool noPe, string? pdb)
    {
        using var set = new AssemblySet();
        set.AddFile(path);
        set.AddDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        set.AddDirectory(RuntimeEnvironment.GetRuntimeDirectory());
        var w = new StringWriter { NewLine = "\n" };
        new Dumper(path, w, new DumpOptions(noPe, pdb), set).Run();
        return w.ToString().Split('\n');
    }

    static Dictionary<string, List<string>> Sections(string[] lines)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var current = result["(preamble)"] = new List<string>();
        foreach (var l in lines)
        {
            if (l.StartsWith('[') && l.Contains(']') && !l.Contains(": "))
            {
                string name = l[..(l.IndexOf(']') + 1)];
                if (!result.TryGetValue(name, out current!)) result[name] = current = new List<string>();
            }
            current.Add(l);
        }
        return result;
    }

    static int Dump(string[] args)
    {
        string? input = null, output = null, pdb = null;
        bool noPe = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-o": output = Next(args, ref i); break;
                case "--pdb": pdb = Next(args, ref i); break;
                case "--no-pe": noPe = true; break;
                default:
                    if (args[i].StartsWith('-')) throw new UsageException($"unknown option {args[i]}");
                    if (input != null) throw new UsageException("dump takes one assembly");
                    input = args[i];
                    break;
            }
        }
        if (input == null) throw new UsageException("dump needs an assembly");
        if (!File.Exists(input)) throw new UsageException($"no such file: {input}");
        if (pdb != null && !File.Exists(pdb)) throw new UsageException($"no such PDB: {pdb}");
        using var set = new AssemblySet();
        set.AddFile(input);
        set.AddDirectory(Path.GetDirectoryName(Path.GetFullPath(input))!);
        set.AddDirectory(RuntimeEnvironment.GetRuntimeDirectory());
        Stream stream = output == null ? Console.OpenStandardOutput() : File.Create(output);
        using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
        try
        {
            new Dumper(input, w, new DumpOptions(noPe, pdb), set).Run();
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or IOException)
        {
            w.Flush();
            Console.Error.WriteLine($"{input}: dump failed: {e.GetType().Name}: {e.Message}");
            return 1;
        }
        return 0;
    }
}
