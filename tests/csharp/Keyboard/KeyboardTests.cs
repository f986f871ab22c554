using System;
using Graft.Kernel;
using Graft.Testing;

// The keys run-with-keys types, in this order (QEMU sendkey names), one group per test:
//   h i 1 | shift-a shift-1 | caps_lock b shift-b 2 caps_lock c | up down right left | a b backspace c ret
//   | (a second later) x
static class KeyboardTests
{
    static void NeedKeys()
    {
        if (!Machine.CommandLine.Contains("graft-keys"))
            Assert.Skip("no keys are typed: tests/csharp/Keyboard/run-with-keys types them into QEMU's keyboard");
    }

    static ConsoleKeyInfo Key() => Console.ReadKey(intercept: true);

    [Test]
    public static void LettersAndDigits()
    {
        NeedKeys();
        ulong before = Keyboard.ScancodesReceived;
        Assert.Equal('h', Key().KeyChar);
        ConsoleKeyInfo i = Key();
        Assert.Equal('i', i.KeyChar);
        Assert.Equal(ConsoleKey.I, i.Key);
        ConsoleKeyInfo one = Key();
        Assert.Equal('1', one.KeyChar);
        Assert.Equal(ConsoleKey.D1, one.Key);
        Assert.True(Keyboard.ScancodesReceived > before, "the keys did not come from the keyboard");
    }

    [Test]
    public static void ShiftGivesCapitalsAndSymbols()
    {
        NeedKeys();
        ConsoleKeyInfo a = Key();
        Assert.Equal('A', a.KeyChar);
        Assert.Equal(ConsoleKey.A, a.Key);
        Assert.Equal(ConsoleModifiers.Shift, a.Modifiers);
        Assert.Equal('!', Key().KeyChar);
    }

    [Test]
    public static void CapsLockCapitalisesLettersOnly()
    {
        NeedKeys();
        Assert.Equal('B', Key().KeyChar); // caps lock on
        Assert.Equal('b', Key().KeyChar); // shift undoes it
        Assert.Equal('2', Key().KeyChar); // digits stay
        Assert.Equal('c', Key().KeyChar); // caps lock off again
    }

    [Test]
    public static void Arrows()
    {
        NeedKeys();
        Assert.Equal(ConsoleKey.UpArrow, Key().Key);
        Assert.Equal(ConsoleKey.DownArrow, Key().Key);
        Assert.Equal(ConsoleKey.RightArrow, Key().Key);
        Assert.Equal(ConsoleKey.LeftArrow, Key().Key);
    }

    [Test]
    public static void BackspaceEditsTheLineReadLineReturns()
    {
        NeedKeys();
        Assert.Equal("ac", Console.ReadLine());
    }

    [Test]
    public static void WaitingForAKeyHaltsTheCpu()
    {
        NeedKeys();
        InterruptFigures before = Interrupts.Figures;
        Assert.Equal('x', Key().KeyChar); // typed a second after the others
        InterruptFigures after = Interrupts.Figures;
        double halted = (after.IdleTsc - before.IdleTsc) / (double)after.TscHz * 1000;
        Console.WriteLine($"keyboard: {after.Halts - before.Halts} halts, {halted:F0} ms halted waiting for the key");
        Assert.True(after.Halts - before.Halts >= 20 && halted >= 200, $"{after.Halts - before.Halts} halts, {halted:F0} ms halted");
    }
}
