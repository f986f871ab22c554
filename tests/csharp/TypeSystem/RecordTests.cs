using Graft.Testing;

namespace TypeSystem;

// Records: every record's ToString calls RuntimeHelpers.EnsureSufficientExecutionStack, whose
// RhGetCurrentThreadStackBounds is the managed stack's range (sdk/runtime/threads/threads.c).
record Person(string Name, int Age);
record Employee(string Name, int Age, string Team) : Person(Name, Age);
readonly record struct Kilograms(int Value);

static class RecordTests
{
    [Test]
    public static void RecordEquality()
    {
        var a = new Person("Ada", 36);
        var b = new Person("Ada", 36);
        Assert.Equal(a, b);
        Assert.False(ReferenceEquals(a, b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Test]
    public static void RecordWithAndInheritance()
    {
        var e = new Employee("Grace", 40, "Navy");
        var older = e with { Age = 41 };
        Person asPerson = older;
        Assert.Equal(41, older.Age);
        Assert.Equal("Navy", older.Team);
        Assert.False(asPerson.Equals(new Person("Grace", 41)));
    }

    [Test]
    public static void RecordToString()
    {
        Assert.Equal("Person { Name = Ada, Age = 36 }", new Person("Ada", 36).ToString());
    }

    [Test]
    public static void DerivedRecordToString()
    {
        Person asPerson = new Employee("Grace", 41, "Navy");
        Assert.Equal("Employee { Name = Grace, Age = 41, Team = Navy }", asPerson.ToString());
    }

    [Test]
    public static void RecordStruct()
    {
        var k = new Kilograms(3);
        Assert.Equal(new Kilograms(3), k);
        Assert.Equal("Kilograms { Value = 3 }", k.ToString());
    }
}
