// Yardstick for the Rust ECMA-335 engine's benchmark: how long Mono.Cecil takes to read an assembly
// and to read + write it back (to memory and to a file), median of N runs, with peak working set.
// By default each assembly is measured in a child process of its own so that the peak working set
// belongs to that assembly alone.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mono.Cecil;

namespace Graft.Ecma.CecilBench;

sealed record Result(string File, long BytesIn, long BytesOut, double CopyMs, double ReadMs, double ReadWriteMemMs, double ReadWriteFileMs, long PeakWorkingSet, string? Error);

static class Program
{
    const string Usage = """
        usage: CecilBench [options] <assembly|directory>...
          --runs <n>       measured runs per assembly (default 5; the median is reported)
          --warmup <n>     unmeasured runs first (default 1)
          --in-process     measure all assemblies in this process (peak working set is then cumulative)
          --symbols        also read and write portable PDBs next to the assemblies
          --tsv            tab-separated output instead of an aligned table
          --keep <dir>     keep Cecil's output of each assembly in <dir> (for checking it)
        Each assembly is read with ReadingMode.Immediate; read+write re-reads it and writes it to a
        MemoryStream (rw-mem) or to a temporary file (rw-file). copy-ms is File.Copy of the same bytes.
        ReadyToRun inputs are written IL-only (Cecil cannot write their native code).
        exit codes: 0 all measured, 1 some assembly failed, 2 usage error
        """;

    static int Main(string[] args)
    {
        int runs = 5, warmup = 1;
        bool inProcess = false, symbols = false, tsv = false;
        string? one = null, keepDir = null;
        var inputs = new List<string>();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                switch (a)
                {
                    case "--runs": runs = PositiveInt(args, ref i); break;
                    case "--warmup": warmup = Math.Max(0, int.Parse(Next(args, ref i), CultureInfo.InvariantCulture)); break;
                    case "--in-process": inProcess = true; break;
                    case "--symbols": symbols = true; break;
                    case "--tsv": tsv = true; break;
                    case "--keep": keepDir = Path.GetFullPath(Next(args, ref i)); Directory.CreateDirectory(keepDir); break;
                    case "--one": one = Next(args, ref i); break; // internal: child process mode
                    case "-h": case "--help": Console.WriteLine(Usage); return 0;
                    default:
                        if (a.StartsWith('-')) throw new ArgumentException($"unknown option {a}");
                        if (Directory.Exists(a)) inputs.AddRange(Directory.GetFiles(a, "*.dll").Order(StringComparer.Ordinal));
                        else if (File.Exists(a)) inputs.Add(a);
                        else throw new ArgumentException($"no such file or directory: {a}");
                        break;
                }
            }
            if (one == null && inputs.Count == 0) throw new ArgumentException("no assemblies given");
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"CecilBench: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        if (one != null)
        {
            var r = Measure(one, runs, warmup, symbols, keepDir);
            Console.WriteLine(Serialize(r));
            return r.Error == null ? 0 : 1;
        }

        var results = new List<Result>();
        PrintHeader(tsv);
        foreach (var file in inputs)
        {
            var r = inProcess ? Measure(file, runs, warmup, symbols, keepDir) : MeasureInChild(file, runs, warmup, symbols, keepDir);
            results.Add(r);
            PrintRow(r, tsv);
        }
        var ok = results.Where(r => r.Error == null).ToList();
        if (results.Count > 1)
            PrintRow(new Result($"TOTAL ({ok.Count} of {results.Count})", ok.Sum(r => r.BytesIn), ok.Sum(r => r.BytesOut), ok.Sum(r => r.CopyMs),
                ok.Sum(r => r.ReadMs), ok.Sum(r => r.ReadWriteMemMs), ok.Sum(r => r.ReadWriteFileMs), ok.Count == 0 ? 0 : ok.Max(r => r.PeakWorkingSet), null), tsv);
        Console.WriteLine($"# runs={runs} warmup={warmup} mode={(inProcess ? "in-process" : "process-per-assembly")} symbols={symbols} cecil={typeof(ModuleDefinition).Assembly.GetName().Version} runtime={Environment.Version} cores={Environment.ProcessorCount}");
        return results.Any(r => r.Error != null) ? 1 : 0;
    }

    static string Next(string[] a, ref int i) => ++i < a.Length ? a[i] : throw new ArgumentException($"{a[i - 1]} needs a value");

    static int PositiveInt(string[] a, ref int i)
    {
        int v = int.Parse(Next(a, ref i), CultureInfo.InvariantCulture);
        return v > 0 ? v : throw new ArgumentException($"{a[i - 1]} must be positive");
    }

    static Result Measure(string file, int runs, int warmup, bool symbols, string? keepDir)
    {
        long bytesIn = new FileInfo(file).Length, bytesOut = 0;
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        resolver.AddSearchDirectory(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory());
        string tmpDir = Path.Combine(Path.GetTempPath(), $"cecilbench-{Environment.ProcessId}");
        Directory.CreateDirectory(tmpDir);
        string outFile = Path.Combine(tmpDir, Path.GetFileName(file));
        string copyFile = Path.Combine(tmpDir, "copy-" + Path.GetFileName(file));
        var copy = new List<double>();
        var read = new List<double>();
        var rwMem = new List<double>();
        var rwFile = new List<double>();
        try
        {
            ModuleDefinition Read() => ModuleDefinition.ReadModule(file, new ReaderParameters(ReadingMode.Immediate)
            {
                AssemblyResolver = resolver,
                ReadSymbols = symbols,
                InMemory = true,
            });
            var wp = new WriterParameters { WriteSymbols = symbols };
            // ReadyToRun images (the shared framework's) are not IL-only, and Cecil refuses to write
            // "mixed-mode" modules. Mark them IL-only and drop ILLibrary: Cecil then writes plain IL and
            // the native code is dropped, which is also what a no-R2R rewrite has to do.
            static ModuleDefinition IlOnly(ModuleDefinition m)
            {
                m.Attributes = (m.Attributes | ModuleAttributes.ILOnly) & ~ModuleAttributes.ILLibrary;
                return m;
            }
            for (int i = 0; i < warmup + runs; i++)
            {
                bool keep = i >= warmup;
                var sw = Stopwatch.StartNew();
                File.Copy(file, copyFile, overwrite: true);
                if (keep) copy.Add(sw.Elapsed.TotalMilliseconds);

                sw.Restart();
                using (var m = Read()) { }
                if (keep) read.Add(sw.Elapsed.TotalMilliseconds);

                sw.Restart();
                using (var m = IlOnly(Read()))
                {
                    var ms = new MemoryStream();
                    if (symbols) m.Write(ms, new WriterParameters { WriteSymbols = false });
                    else m.Write(ms);
                    bytesOut = ms.Length;
                }
                if (keep) rwMem.Add(sw.Elapsed.TotalMilliseconds);

                sw.Restart();
                using (var m = IlOnly(Read())) m.Write(outFile, wp);
                if (keep) rwFile.Add(sw.Elapsed.TotalMilliseconds);
            }
            if (!symbols) bytesOut = new FileInfo(outFile).Length;
            if (keepDir != null) File.Copy(outFile, Path.Combine(keepDir, Path.GetFileName(file)), overwrite: true);
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            return new Result(file, bytesIn, bytesOut, Median(copy), Median(read), Median(rwMem), Median(rwFile), self.PeakWorkingSet64, null);
        }
        catch (Exception e)
        {
            return new Result(file, bytesIn, 0, 0, 0, 0, 0, 0, $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
        }
        finally
        {
            try { Directory.Delete(tmpDir, recursive: true); } catch (IOException) { }
        }
    }

    static Result MeasureInChild(string file, int runs, int warmup, bool symbols, string? keepDir)
    {
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            psi.FileName = self;
            psi.ArgumentList.Add(typeof(Program).Assembly.Location);
        }
        else psi.FileName = self;
        foreach (var a in new[] { "--one", file, "--runs", runs.ToString(CultureInfo.InvariantCulture), "--warmup", warmup.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        if (symbols) psi.ArgumentList.Add("--symbols");
        if (keepDir != null) { psi.ArgumentList.Add("--keep"); psi.ArgumentList.Add(keepDir); }
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        return line != null && Deserialize(line) is { } r ? r
            : new Result(file, new FileInfo(file).Length, 0, 0, 0, 0, 0, 0, $"child exited {p.ExitCode}: {stderr.Result.ReplaceLineEndings(" ")}");
    }

    static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count == 0 ? 0 : s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    // one line, tab separated, for the parent process
    static string Serialize(Result r) => string.Join('\t', "RESULT", r.File, r.BytesIn, r.BytesOut, F(r.CopyMs), F(r.ReadMs), F(r.ReadWriteMemMs), F(r.ReadWriteFileMs), r.PeakWorkingSet, r.Error ?? "");

    static Result? Deserialize(string line)
    {
        var f = line.TrimEnd('\r').Split('\t');
        if (f.Length != 10 || f[0] != "RESULT") return null;
        static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        return new Result(f[1], long.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture), D(f[4]), D(f[5]), D(f[6]), D(f[7]),
            long.Parse(f[8], CultureInfo.InvariantCulture), f[9].Length == 0 ? null : f[9]);
    }

    static string F(double d) => d.ToString("0.00", CultureInfo.InvariantCulture);

    static readonly string[] Header = ["file", "bytes-in", "bytes-out", "copy-ms", "read-ms", "read+write-mem-ms", "read+write-file-ms", "peak-ws-MiB"];

    static void PrintHeader(bool tsv)
    {
        if (tsv) Console.WriteLine(string.Join('\t', Header));
        else Console.WriteLine($"{Header[0],-52} {Header[1],12} {Header[2],12} {Header[3],9} {Header[4],10} {Header[5],18} {Header[6],19} {Header[7],12}");
    }

    static void PrintRow(Result r, bool tsv)
    {
        string name = r.File.StartsWith("TOTAL") ? r.File : Path.GetFileName(r.File);
        string mib = (r.PeakWorkingSet / (1024.0 * 1024.0)).ToString("0.0", CultureInfo.InvariantCulture);
        if (r.Error != null)
        {
            Console.WriteLine(tsv ? $"{name}\t{r.BytesIn}\tERROR: {r.Error}" : $"{name,-52} {r.BytesIn,12} ERROR: {r.Error}");
            return;
        }
        if (tsv) Console.WriteLine(string.Join('\t', name, r.BytesIn, r.BytesOut, F(r.CopyMs), F(r.ReadMs), F(r.ReadWriteMemMs), F(r.ReadWriteFileMs), mib));
        else Console.WriteLine($"{name,-52} {r.BytesIn,12} {r.BytesOut,12} {F(r.CopyMs),9} {F(r.ReadMs),10} {F(r.ReadWriteMemMs),18} {F(r.ReadWriteFileMs),19} {mib,12}");
        Console.Out.Flush();
    }
}
