using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Graft.Kernel;

/// <summary>
/// Hardware and software interrupts (sdk/runtime/interrupts/irq.c): a
/// handler for an IRQ line (0-15 the ISA lines, routed by the I/O APIC as
/// the ACPI MADT says; 16-23 the I/O APIC's other inputs) or for a free
/// vector (64-239, raised with <see cref="Raise"/> or by a device's MSI).
/// The runtime sends end-of-interrupt after the handler returns.
/// </summary>
/// <remarks>
/// A handler runs on the interrupt stack with interrupts off, in the middle
/// of whatever the kernel was doing: keep it short and do not allocate
/// (no <c>new</c>, no string building, no boxing, no lambdas capturing
/// anew); set fields, read ports, queue bytes. An exception leaving a
/// handler stops the kernel with a report naming the handler and its IRQ.
/// </remarks>
public static unsafe class Interrupts
{
    /// <summary>First and last vector <see cref="Install(int, Action)"/> takes.</summary>
    public const int FirstFreeVector = 64, LastFreeVector = 239;

    static readonly Action?[] s_handlers = new Action?[256];

    /// <summary>
    /// Calls <paramref name="handler"/> on each interrupt of IRQ line
    /// <paramref name="irq"/> (0-23) and unmasks the line; returns the
    /// vector it arrives on.
    /// </summary>
    public static int InstallIrq(int irq, Action handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (irq < 0 || irq > 23)
            throw new ArgumentOutOfRangeException(nameof(irq), irq, "an IRQ line is 0-23");
        int vector = 32 + irq;
        s_handlers[vector] = handler;
        if (InterruptsNative.InstallIrq(irq, &Dispatch) < 0)
        {
            s_handlers[vector] = null;
            throw new InvalidOperationException($"IRQ {irq} cannot be routed (the legacy PIC has lines 0-15 only)");
        }
        return vector;
    }

    /// <summary>Masks IRQ line <paramref name="irq"/> and forgets its handler.</summary>
    public static void RemoveIrq(int irq)
    {
        InterruptsNative.RemoveIrq(irq);
        if (irq >= 0 && irq <= 23)
            s_handlers[32 + irq] = null;
    }

    /// <summary>Calls <paramref name="handler"/> on each interrupt of <paramref name="vector"/> (64-239).</summary>
    public static void Install(int vector, Action handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (vector < FirstFreeVector || vector > LastFreeVector)
            throw new ArgumentOutOfRangeException(nameof(vector), vector, $"a free vector is {FirstFreeVector}-{LastFreeVector}");
        s_handlers[vector] = handler;
        InterruptsNative.Install(vector, &Dispatch);
    }

    /// <summary>Forgets the handler of <paramref name="vector"/>.</summary>
    public static void Remove(int vector)
    {
        InterruptsNative.Remove(vector);
        if (vector >= FirstFreeVector && vector <= LastFreeVector)
            s_handlers[vector] = null;
    }

    /// <summary>Raises <paramref name="vector"/> (64-239) on this CPU (a self-IPI); its handler has run when this returns.</summary>
    public static void Raise(int vector)
    {
        if (vector < FirstFreeVector || vector > LastFreeVector)
            throw new ArgumentOutOfRangeException(nameof(vector), vector, $"a free vector is {FirstFreeVector}-{LastFreeVector}");
        InterruptsNative.Raise(vector);
    }

    /// <summary>How many times <paramref name="vector"/> was taken since boot.</summary>
    public static ulong Count(int vector) => InterruptsNative.Count(vector);

    /// <summary>The controllers' and the timer's counts.</summary>
    public static InterruptFigures Figures
    {
        get
        {
            InterruptFigures figures;
            InterruptsNative.Figures(&figures);
            return figures;
        }
    }

    /// <summary>
    /// Timer interrupt latency in TSC cycles over <paramref name="samples"/>
    /// ticks (at most 256): from the instruction a tick interrupts to the
    /// runtime's handler (minimum, median, maximum).
    /// </summary>
    public static (ulong Min, ulong Median, ulong Max) MeasureTimerLatency(int samples)
    {
        ulong* result = stackalloc ulong[3];
        InterruptsNative.TimerLatency(samples, result);
        return (result[0], result[1], result[2]);
    }

    /// <summary>Halts the CPU until the next interrupt (at the latest the timer's next tick).</summary>
    public static void Idle() => InterruptsNative.Idle();

    [UnmanagedCallersOnly]
    static void Dispatch(int vector)
    {
        Action? handler = s_handlers[vector];
        if (handler is null)
            return;
        try
        {
            handler();
        }
        catch (Exception e)
        {
            // The kernel stops here: allocating the report is safe now.
            string line = vector >= 32 && vector < 56 ? $"IRQ {vector - 32}, vector {vector}" : $"vector {vector}";
            Serial.WriteLine($"graft: the interrupt handler for {line} ({handler.Method.DeclaringType?.Name}.{handler.Method.Name}) threw an exception:");
            Serial.WriteLine(e.ToString());
            Machine.Exit(0x7B);
        }
    }
}

/// <summary>What <see cref="Interrupts.Figures"/> reports (sdk/runtime/interrupts/irq.h's InterruptFigures).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct InterruptFigures
{
    /// <summary>1: the local APIC and I/O APIC (from the ACPI MADT); 0: the legacy PIC.</summary>
    public int Controller;
    /// <summary>Processors the MADT lists (0 without a MADT).</summary>
    public uint CpuCount;
    /// <summary>Spurious interrupts, counted and ignored.</summary>
    public ulong Spurious;
    /// <summary>
    /// Scheduling ticks since boot, <see cref="TimerHz"/> a second: a timer interrupt each while
    /// a thread runs; while every thread waits the CPU takes none (tickless idle, the timer armed
    /// for the nearest deadline alone) and the ticks that passed are counted as it wakes.
    /// Timer interrupts themselves: <see cref="Interrupts.Count"/>(240).
    /// </summary>
    public ulong TimerTicks;
    /// <summary>The ticks' rate.</summary>
    public uint TimerHz;
    /// <summary>1: the local APIC timer; 0: PIT channel 0 on IRQ 0.</summary>
    public int TimerSource;
    /// <summary>The local APIC timer's counts per second (bus clock / 16), calibrated on the TSC.</summary>
    public ulong TimerCountsPerSecond;
    /// <summary>Halts of the idle CPU (Thread.Sleep, console input, <see cref="Interrupts.Idle"/>).</summary>
    public ulong Halts;
    /// <summary>TSC cycles the CPU spent halted.</summary>
    public ulong IdleTsc;
    /// <summary>TSC cycles per second (calibrated against the PIT at boot).</summary>
    public ulong TscHz;
}

/// <summary>sdk/runtime/interrupts/ and drivers/, called directly (DllImport "*").</summary>
internal static unsafe class InterruptsNative
{
    [DllImport("*", EntryPoint = "graft_irq_install"), SuppressGCTransition]
    internal static extern int InstallIrq(int irq, delegate* unmanaged<int, void> handler);

    [DllImport("*", EntryPoint = "graft_irq_remove"), SuppressGCTransition]
    internal static extern void RemoveIrq(int irq);

    [DllImport("*", EntryPoint = "graft_interrupt_install"), SuppressGCTransition]
    internal static extern int Install(int vector, delegate* unmanaged<int, void> handler);

    [DllImport("*", EntryPoint = "graft_interrupt_remove"), SuppressGCTransition]
    internal static extern void Remove(int vector);

    // Not SuppressGCTransition: the handler (managed code) runs before it returns.
    [DllImport("*", EntryPoint = "graft_interrupt_raise")]
    internal static extern void Raise(int vector);

    [DllImport("*", EntryPoint = "graft_interrupt_count"), SuppressGCTransition]
    internal static extern ulong Count(int vector);

    [DllImport("*", EntryPoint = "graft_interrupt_figures"), SuppressGCTransition]
    internal static extern void Figures(InterruptFigures* figures);

    [DllImport("*", EntryPoint = "graft_timer_latency"), SuppressGCTransition]
    internal static extern void TimerLatency(int samples, ulong* result);

    [DllImport("*", EntryPoint = "graft_idle"), SuppressGCTransition]
    internal static extern void Idle();

    [DllImport("*", EntryPoint = "graft_keyboard_scancodes"), SuppressGCTransition]
    internal static extern ulong KeyboardScancodes();
}
