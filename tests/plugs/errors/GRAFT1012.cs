using Graft;

// A second Lib.Counter (internal, as framework assemblies each keep their own
// System.SR): the name alone no longer says which one to plug.
namespace Lib { internal class Counter { } }

[Plug("Lib.Counter")]
public static class AmbiguousTargetPlug
{
    [PlugMember] public static int F() => 1; // expect GRAFT1012 defined by 2 assemblies
}
