using Graft.Kernel;
using Graft.Testing;

namespace MemoryTests;

// Physical page frames (memory/frames.c): lowest first, contiguous runs, aligned runs, RAM
// above 4 GiB, and every free putting the count back.
static unsafe class FrameTests
{
    const ulong Page = Memory.PageSize;

    [Test]
    public static void TheMachinesMemoryIsFound()
    {
        // 4608 MiB of QEMU RAM, less the first MiB, the kernel, firmware areas and the bitmap.
        ulong mib = Memory.TotalFrameCount * Page >> 20;
        Assert.True(mib > 4500 && mib < 4608, $"{mib} MiB in page frames");
        Assert.True(Memory.FreeFrameCount < Memory.TotalFrameCount);
    }

    [Test]
    public static void AFrameIsAPageOfRamAndComesBackWhenFreed()
    {
        ulong before = Memory.FreeFrameCount;
        ulong frame = Memory.AllocateFrames(1);
        Assert.NotEqual(0UL, frame);
        Assert.Equal(0UL, frame % Page);
        Assert.Equal(before - 1, Memory.FreeFrameCount);
        ulong* words = (ulong*)frame; // RAM is identity-mapped
        for (int i = 0; i < 512; i++) words[i] = frame + (ulong)i;
        for (int i = 0; i < 512; i++) Assert.Equal(frame + (ulong)i, words[i]);
        Memory.FreeFrames(frame, 1);
        Assert.Equal(before, Memory.FreeFrameCount);
        // Lowest first: the frame just freed is the next one handed out.
        ulong again = Memory.AllocateFrames(1);
        Assert.Equal(frame, again);
        Memory.FreeFrames(again, 1);
    }

    [Test]
    public static void ALargeContiguousRunIsHandedOutAndFreed()
    {
        ulong before = Memory.FreeFrameCount;
        const ulong count = 64 * 1024; // 256 MiB
        ulong run = Memory.AllocateFrames(count);
        Assert.NotEqual(0UL, run);
        Assert.Equal(before - count, Memory.FreeFrameCount);
        // Every page of it is RAM of our own: its first word names it.
        for (ulong i = 0; i < count; i++) *(ulong*)(run + i * Page) = i;
        for (ulong i = 0; i < count; i++) Assert.Equal(i, *(ulong*)(run + i * Page));
        Memory.FreeFrames(run, count);
        Assert.Equal(before, Memory.FreeFrameCount);
    }

    [Test]
    public static void AnAlignedRunStartsAtItsAlignment()
    {
        const ulong twoMiB = 2UL << 20;
        ulong run = Memory.AllocateFrames(3, twoMiB);
        Assert.NotEqual(0UL, run);
        Assert.Equal(0UL, run % twoMiB);
        Memory.FreeFrames(run, 3);
    }

    [Test]
    public static void RamAbove4GiBIsUsedAndMapped()
    {
        // The first free frame aligned to 4 GiB is at 4 GiB itself (frame 0 is never free).
        ulong high = Memory.AllocateFrames(16, 1UL << 32);
        Assert.Equal(1UL << 32, high);
        ulong* words = (ulong*)high;
        words[0] = 0x1234_5678_9ABC_DEF0;
        words[16 * 512 - 1] = 42;
        Assert.Equal(0x1234_5678_9ABC_DEF0UL, words[0]);
        Assert.Equal(42UL, words[16 * 512 - 1]);
        Memory.FreeFrames(high, 16);
    }

    [Test]
    public static void ThousandsOfFramesFreedInAnyOrderAllComeBack()
    {
        ulong before = Memory.FreeFrameCount;
        const int count = 20000;
        ulong* frames = (ulong*)Memory.Allocate(count * sizeof(ulong));
        for (int i = 0; i < count; i++)
        {
            frames[i] = Memory.AllocateFrames(1);
            Assert.NotEqual(0UL, frames[i]);
        }
        // Free every third, then the rest, then take them all again.
        for (int i = 0; i < count; i += 3) Memory.FreeFrames(frames[i], 1);
        for (int i = 0; i < count; i++) if (i % 3 != 0) Memory.FreeFrames(frames[i], 1);
        ulong afterFree = Memory.FreeFrameCount;
        for (int i = 0; i < count; i++) frames[i] = Memory.AllocateFrames(1);
        for (int i = 0; i < count; i++) Memory.FreeFrames(frames[i], 1);
        Assert.Equal(afterFree, Memory.FreeFrameCount);
        Memory.Free(frames, count * sizeof(ulong));
        Assert.Equal(before, Memory.FreeFrameCount);
    }

    [Test]
    public static void AskingForMoreThanThereIsGivesZero()
    {
        Assert.Equal(0UL, Memory.AllocateFrames(Memory.TotalFrameCount + 1));
        Assert.Equal(0UL, Memory.AllocateFrames(Memory.FreeFrameCount + 1));
    }
}
