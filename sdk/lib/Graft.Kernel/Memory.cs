using System;
using System.Runtime.InteropServices;

namespace Graft.Kernel;

/// <summary>What code may do with mapped pages: every mapped page can be read.</summary>
[Flags]
public enum PageRights : uint
{
    /// <summary>Read only, not executable.</summary>
    Read = 0,
    /// <summary>Writable.</summary>
    Write = 1,
    /// <summary>Executable.</summary>
    Execute = 2,
}

/// <summary>
/// The kernel's memory (sdk/runtime/memory, README "Memory"): physical page
/// frames, virtual ranges with their page rights, device memory, and figures
/// of the native allocator behind <c>NativeMemory</c> and
/// <c>Marshal.AllocHGlobal</c>. RAM is identity-mapped, so a frame's physical
/// address is also a pointer to it; virtual ranges lie above all RAM, each
/// with an unmapped guard page below it.
/// </summary>
public static unsafe class Memory
{
    /// <summary>The size of a page and of a page frame.</summary>
    public const int PageSize = 4096;

    /// <summary>
    /// <paramref name="count"/> physically contiguous page frames, not zeroed,
    /// the first at a multiple of <paramref name="alignment"/> (a power of two,
    /// at least <see cref="PageSize"/>): the physical address of the first,
    /// or 0 when no free run is that long.
    /// </summary>
    public static ulong AllocateFrames(ulong count, ulong alignment = PageSize) => FramesAllocAligned(count, alignment);

    /// <summary>Gives frames of <see cref="AllocateFrames"/> back (a double free stops the kernel).</summary>
    public static void FreeFrames(ulong physical, ulong count) => FramesFree(physical, count);

    /// <summary>Page frames free now.</summary>
    public static ulong FreeFrameCount => FramesFreeCount();

    /// <summary>All page frames of RAM the kernel manages.</summary>
    public static ulong TotalFrameCount => FramesTotalCount();

    /// <summary>
    /// <paramref name="bytes"/> (rounded up to pages) of zeroed memory at a new
    /// virtual range with <paramref name="rights"/>, an unmapped guard page
    /// below it; null when memory runs out. Give it back with <see cref="Free"/>.
    /// </summary>
    public static void* Allocate(ulong bytes, PageRights rights = PageRights.Write) => VmAlloc(bytes, (uint)rights);

    /// <summary>
    /// Maps physical memory (a device's registers, a frame buffer) at a new
    /// virtual range: uncached unless <paramref name="cached"/>. The result
    /// points at <paramref name="physical"/>; unmap it with <see cref="Free"/>.
    /// </summary>
    public static void* MapPhysical(ulong physical, ulong bytes, PageRights rights = PageRights.Write, bool cached = false) =>
        VmMapPhysical(physical, bytes, (uint)rights | (cached ? CachedFlag : 0));

    /// <summary>
    /// Gives back a range of <see cref="Allocate"/> (its frames are freed) or
    /// of <see cref="MapPhysical"/> (the device's memory is not).
    /// </summary>
    public static void Free(void* address, ulong bytes) => VmFree(address, bytes);

    /// <summary>
    /// Sets the rights of mapped pages (any mapped memory, the kernel's own
    /// included); false, changing nothing, when a page of the range is not mapped.
    /// </summary>
    public static bool Protect(void* address, ulong bytes, PageRights rights) => VmProtect(address, bytes, (uint)rights) != 0;

    /// <summary>Bytes mapped in virtual ranges (guard pages not counted).</summary>
    public static ulong VirtualBytesInUse => VmUsed();

    /// <summary>Bytes in live native blocks (each rounded up to its size class).</summary>
    public static ulong NativeBytesInUse => NativeUsed();

    /// <summary>Page frames the native allocator holds.</summary>
    public static ulong NativePages => NativePageCount();

    const uint CachedFlag = 4; // GRAFT_VM_CACHED

    [DllImport("*", EntryPoint = "graft_frames_alloc_aligned"), SuppressGCTransition]
    static extern ulong FramesAllocAligned(ulong count, ulong alignment);

    [DllImport("*", EntryPoint = "graft_frames_free"), SuppressGCTransition]
    static extern void FramesFree(ulong physical, ulong count);

    [DllImport("*", EntryPoint = "graft_frames_free_count"), SuppressGCTransition]
    static extern ulong FramesFreeCount();

    [DllImport("*", EntryPoint = "graft_frames_total_count"), SuppressGCTransition]
    static extern ulong FramesTotalCount();

    [DllImport("*", EntryPoint = "graft_vm_alloc"), SuppressGCTransition]
    static extern void* VmAlloc(ulong bytes, uint flags);

    [DllImport("*", EntryPoint = "graft_vm_map_physical"), SuppressGCTransition]
    static extern void* VmMapPhysical(ulong physical, ulong bytes, uint flags);

    [DllImport("*", EntryPoint = "graft_vm_free"), SuppressGCTransition]
    static extern void VmFree(void* address, ulong bytes);

    [DllImport("*", EntryPoint = "graft_vm_protect"), SuppressGCTransition]
    static extern int VmProtect(void* address, ulong bytes, uint flags);

    [DllImport("*", EntryPoint = "graft_vm_used"), SuppressGCTransition]
    static extern ulong VmUsed();

    [DllImport("*", EntryPoint = "graft_native_used"), SuppressGCTransition]
    static extern ulong NativeUsed();

    [DllImport("*", EntryPoint = "graft_native_pages"), SuppressGCTransition]
    static extern ulong NativePageCount();
}
