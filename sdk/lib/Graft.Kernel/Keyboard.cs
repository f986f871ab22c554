namespace Graft.Kernel;

/// <summary>
/// The PS/2 keyboard (sdk/runtime/drivers/ps2_keyboard.c, on IRQ 1): its
/// keys reach <c>Console.ReadKey</c>, <c>ReadLine</c> and <c>KeyAvailable</c>
/// before COM1's bytes, as a terminal's would (US layout, shift, caps lock,
/// Ctrl+letter, arrows, Home, End, Delete, Backspace, Enter). Nothing to set
/// up: the runtime starts it at boot when a controller answers.
/// </summary>
public static class Keyboard
{
    /// <summary>Scan code bytes the keyboard sent since boot (make, break and prefix bytes).</summary>
    public static ulong ScancodesReceived => InterruptsNative.KeyboardScancodes();
}
