using Graft.Kernel;
using Graft.Testing;

namespace MemoryTests;

// Virtual ranges (memory/paging.c): zeroed fresh memory above all RAM, freed with its frames,
// addresses reused; device mappings of physical memory; page rights that can change.
static unsafe class VirtualTests
{
    const ulong Page = Memory.PageSize;
    const ulong VirtualBase = 0x0000_1000_0000_0000; // GRAFT_VM_BASE

    [Test]
    public static void ARangeIsZeroedWritableAndAboveAllRam()
    {
        const ulong bytes = 1 << 20;
        byte* range = (byte*)Memory.Allocate(bytes);
        Assert.True((ulong)range >= VirtualBase, $"range at 0x{(ulong)range:x}");
        Assert.Equal(0UL, (ulong)range % Page);
        for (ulong i = 0; i < bytes; i++) Assert.Equal((byte)0, range[i]);
        for (ulong i = 0; i < bytes; i++) range[i] = (byte)i;
        for (ulong i = 0; i < bytes; i += 4093) Assert.Equal((byte)i, range[i]);
        Memory.Free(range, bytes);
    }

    [Test]
    public static void FreeingARangeGivesItsFramesAndAddressesBack()
    {
        ulong frames = Memory.FreeFrameCount, mapped = Memory.VirtualBytesInUse;
        const ulong bytes = 8 << 20;
        void* first = Memory.Allocate(bytes);
        Assert.True(frames - Memory.FreeFrameCount >= bytes / Page, "the range took its frames");
        Assert.Equal(mapped + bytes, Memory.VirtualBytesInUse);
        Memory.Free(first, bytes);
        Assert.Equal(mapped, Memory.VirtualBytesInUse);
        // Its frames are back (page tables made for it stay).
        Assert.True(frames - Memory.FreeFrameCount <= 8, $"{frames - Memory.FreeFrameCount} frames kept");
        void* second = Memory.Allocate(bytes);
        Assert.Equal((ulong)first, (ulong)second);
        Memory.Free(second, bytes);
    }

    [Test]
    public static void AllocateAndFreeInALoopDoesNotGrow()
    {
        ulong frames = Memory.FreeFrameCount;
        for (int i = 0; i < 2000; i++)
        {
            byte* range = (byte*)Memory.Allocate((ulong)(i % 7 + 1) * Page);
            range[0] = 1;
            Memory.Free(range, (ulong)(i % 7 + 1) * Page);
        }
        Assert.True(frames - Memory.FreeFrameCount <= 8, $"{frames - Memory.FreeFrameCount} frames kept");
    }

    [Test]
    public static void APhysicalMappingReachesTheSameRam()
    {
        ulong frame = Memory.AllocateFrames(2);
        ulong* identity = (ulong*)frame;
        identity[0] = 0xFEED;
        identity[512 + 3] = 0xBEEF;
        // Uncached, as for device registers, at an offset inside the page.
        ulong* mapped = (ulong*)Memory.MapPhysical(frame + 8, 2 * Page - 8);
        Assert.True((ulong)mapped >= VirtualBase);
        Assert.Equal(8UL, (ulong)mapped % Page);
        Assert.Equal(0xFEEDUL, mapped[-1]);
        Assert.Equal(0xBEEFUL, mapped[512 + 2]);
        mapped[0] = 77;
        Assert.Equal(77UL, identity[1]);
        Memory.Free(mapped, 2 * Page - 8);
        // The device's memory stays (the frames are not the mapping's).
        Assert.Equal(0xFEEDUL, identity[0]);
        Memory.FreeFrames(frame, 2);
    }

    [Test]
    public static void AnExecutableRangeRunsItsCode()
    {
        byte* code = (byte*)Memory.Allocate(Page, PageRights.Write | PageRights.Execute);
        byte[] movEax42Ret = [0xB8, 42, 0, 0, 0, 0xC3]; // mov eax, 42; ret
        for (int i = 0; i < movEax42Ret.Length; i++) code[i] = movEax42Ret[i];
        Assert.Equal(42, ((delegate* unmanaged<int>)code)());
        Memory.Free(code, Page);
    }

    [Test]
    public static void RightsCanChangeOnMappedPagesOnly()
    {
        byte* range = (byte*)Memory.Allocate(2 * Page);
        Assert.True(Memory.Protect(range, 2 * Page, PageRights.Read));
        Assert.Equal((byte)0, range[Page]); // still readable
        Assert.True(Memory.Protect(range, 2 * Page, PageRights.Write));
        range[Page] = 5;
        Assert.Equal((byte)5, range[Page]);
        // The guard page below the range is not mapped.
        Assert.False(Memory.Protect(range - Page, Page, PageRights.Write));
        Memory.Free(range, 2 * Page);
    }
}
