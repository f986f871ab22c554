using System;
using System.Runtime.InteropServices;
using Graft.Kernel;
using Graft.Testing;

namespace MemoryTests;

// The native allocator (memory/native.c) behind NativeMemory and Marshal: blocks are reused,
// realloc keeps content, alignment holds, and a long churn stays within bounds.
static unsafe class NativeTests
{
    [Test]
    public static void AFreedBlockIsReused()
    {
        void* a = NativeMemory.Alloc(100);
        NativeMemory.Free(a);
        void* b = NativeMemory.Alloc(100);
        Assert.Equal((nuint)a, (nuint)b);
        NativeMemory.Free(b);
    }

    [Test]
    public static void BlocksOfEverySizeHoldTheirContent()
    {
        ulong before = Memory.NativeBytesInUse;
        byte*[] blocks = new byte*[64];
        for (int i = 0; i < blocks.Length; i++)
        {
            int size = 1 << (i % 16); // 1 byte .. 32 KiB
            blocks[i] = (byte*)NativeMemory.Alloc((nuint)size);
            Assert.Equal(0UL, (ulong)blocks[i] % 16);
            for (int j = 0; j < size; j++) blocks[i][j] = (byte)(i + j);
        }
        for (int i = 0; i < blocks.Length; i++)
        {
            int size = 1 << (i % 16);
            for (int j = 0; j < size; j++) Assert.Equal((byte)(i + j), blocks[i][j]);
            NativeMemory.Free(blocks[i]);
        }
        Assert.Equal(before, Memory.NativeBytesInUse);
    }

    [Test]
    public static void ReallocKeepsTheContent()
    {
        byte* block = (byte*)NativeMemory.Alloc(10);
        for (int i = 0; i < 10; i++) block[i] = (byte)(i + 1);
        foreach (int size in new[] { 20, 300, 5000, 70000, 40, 3 })
        {
            block = (byte*)NativeMemory.Realloc(block, (nuint)size);
            for (int i = 0; i < Math.Min(size, 10); i++) Assert.Equal((byte)(i + 1), block[i]);
        }
        NativeMemory.Free(block);
    }

    [Test]
    public static void AlignedBlocksAreAligned()
    {
        for (nuint align = 1; align <= 65536; align *= 2)
        {
            void* block = NativeMemory.AlignedAlloc(24, align);
            Assert.Equal(0UL, (ulong)block % align);
            *(long*)block = 7;
            block = NativeMemory.AlignedRealloc(block, 9000, align);
            Assert.Equal(0UL, (ulong)block % align);
            Assert.Equal(7L, *(long*)block);
            NativeMemory.AlignedFree(block);
        }
    }

    [Test]
    public static void AllocZeroedIsZeroEvenOverReusedBlocks()
    {
        byte* dirty = (byte*)NativeMemory.Alloc(256);
        for (int i = 0; i < 256; i++) dirty[i] = 0xAA;
        NativeMemory.Free(dirty);
        byte* clean = (byte*)NativeMemory.AllocZeroed(256);
        for (int i = 0; i < 256; i++) Assert.Equal((byte)0, clean[i]);
        NativeMemory.Free(clean);
    }

    [Test]
    public static void MarshalHGlobalAllocatesReallocatesAndFrees()
    {
        ulong before = Memory.NativeBytesInUse;
        IntPtr p = Marshal.AllocHGlobal(64);
        Marshal.WriteInt64(p, 56, 0x0102030405060708);
        p = Marshal.ReAllocHGlobal(p, 4096);
        Assert.Equal(0x0102030405060708L, Marshal.ReadInt64(p, 56));
        Marshal.FreeHGlobal(p);
        Assert.Equal(before, Memory.NativeBytesInUse);
    }

    [Test]
    public static void ChurnStaysWithinBounds()
    {
        // 200,000 allocations of 1..6000 bytes with up to 512 alive at a time, each checked by
        // content before it is freed: pages in use stay near what the live set needs.
        ulong startBytes = Memory.NativeBytesInUse, startPages = Memory.NativePages;
        const int slots = 512;
        byte** live = (byte**)NativeMemory.AllocZeroed(slots * (nuint)sizeof(byte*));
        int* sizes = (int*)NativeMemory.AllocZeroed(slots * sizeof(int));
        uint seed = 12345;
        ulong maxPages = 0;
        for (int n = 0; n < 200_000; n++)
        {
            seed = seed * 1664525 + 1013904223;
            int slot = (int)(seed >> 8) % slots;
            if (live[slot] != null)
            {
                byte mark = (byte)slot;
                Assert.Equal(mark, live[slot][0]);
                Assert.Equal(mark, live[slot][sizes[slot] - 1]);
                if (((seed >> 28) & 3) == 0)
                {
                    int grown = sizes[slot] * 2 + 1;
                    live[slot] = (byte*)NativeMemory.Realloc(live[slot], (nuint)grown);
                    Assert.Equal(mark, live[slot][sizes[slot] - 1]);
                    sizes[slot] = grown;
                    live[slot][grown - 1] = mark;
                    continue;
                }
                NativeMemory.Free(live[slot]);
                live[slot] = null;
            }
            else
            {
                int size = 1 + (int)((seed >> 4) % 6000);
                live[slot] = (byte*)NativeMemory.Alloc((nuint)size);
                sizes[slot] = size;
                live[slot][0] = (byte)slot;
                live[slot][size - 1] = (byte)slot;
            }
            maxPages = Math.Max(maxPages, Memory.NativePages);
        }
        for (int i = 0; i < slots; i++) NativeMemory.Free(live[i]);
        NativeMemory.Free(live);
        NativeMemory.Free(sizes);
        Assert.Equal(startBytes, Memory.NativeBytesInUse);
        // Each class may keep one page with room; everything else went back.
        Assert.True(Memory.NativePages <= startPages + 8, $"{Memory.NativePages} pages, {startPages} at the start");
        // The live set is at most 512 blocks of a few pages each (realloc doubles some).
        Assert.True(maxPages < 16384, $"at most {maxPages} pages during the churn");
    }
}
