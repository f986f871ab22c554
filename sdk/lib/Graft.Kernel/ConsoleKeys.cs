using System;

namespace Graft.Kernel;

/// <summary>
/// Console.ReadKey's keys from the input bytes a terminal sends: printable
/// characters, control characters as Ctrl+letter, and the ANSI (VT100/xterm)
/// sequences of the arrows, Home, End, Insert, Delete, Page Up/Down and F1-F12,
/// with their Shift/Alt/Ctrl modifiers.
/// </summary>
internal static class ConsoleKeys
{
    // How long the bytes of one escape sequence may lag behind its ESC.
    const int SequenceMilliseconds = 50;

    internal static ConsoleKeyInfo Read()
    {
        if (ConsoleText.TryTakeLowSurrogate(out char low))
            return new ConsoleKeyInfo(low, 0, false, false, false);
        byte b = ConsoleInput.Read();
        if (b == 0x1B)
            return Escape();
        if (b >= 0x80)
            return new ConsoleKeyInfo(ConsoleText.Decode(b), 0, false, false, false);
        return FromAscii((char)b);
    }

    static ConsoleKeyInfo FromAscii(char c) => c switch
    {
        '\r' or '\n' => Key('\r', ConsoleKey.Enter),
        '\t' => Key('\t', ConsoleKey.Tab),
        '\b' or '\x7f' => Key('\b', ConsoleKey.Backspace),
        ' ' => Key(' ', ConsoleKey.Spacebar),
        '\0' => new ConsoleKeyInfo('\0', ConsoleKey.Spacebar, false, false, true),
        >= '\x01' and <= '\x1a' => new ConsoleKeyInfo(c, ConsoleKey.A + (c - 1), false, false, true),
        >= '0' and <= '9' => Key(c, ConsoleKey.D0 + (c - '0')),
        >= 'a' and <= 'z' => Key(c, ConsoleKey.A + (c - 'a')),
        >= 'A' and <= 'Z' => new ConsoleKeyInfo(c, ConsoleKey.A + (c - 'A'), true, false, false),
        '+' => Key(c, ConsoleKey.OemPlus),
        ',' => Key(c, ConsoleKey.OemComma),
        '-' => Key(c, ConsoleKey.OemMinus),
        '.' => Key(c, ConsoleKey.OemPeriod),
        _ => Key(c, 0),
    };

    static ConsoleKeyInfo Key(char c, ConsoleKey key) => new ConsoleKeyInfo(c, key, false, false, false);

    // ESC alone, or CSI/SS3 "ESC [ params final" / "ESC O final".
    static ConsoleKeyInfo Escape()
    {
        if (!ConsoleInput.TryRead(SequenceMilliseconds, out byte introducer))
            return Key('\x1b', ConsoleKey.Escape);
        if (introducer != '[' && introducer != 'O')
        {
            ConsoleInput.PushBack(introducer);
            return Key('\x1b', ConsoleKey.Escape);
        }
        int number = 0, modifier = 0;
        bool second = false;
        while (true)
        {
            if (!ConsoleInput.TryRead(SequenceMilliseconds, out byte b))
                return Key('\x1b', ConsoleKey.Escape);
            if (b >= '0' && b <= '9')
            {
                if (second)
                    modifier = modifier * 10 + (b - '0');
                else
                    number = number * 10 + (b - '0');
            }
            else if (b == ';')
                second = true;
            else if (b >= 0x40 && b <= 0x7E)
                return Sequence((char)b, number, modifier);
            else
                return new ConsoleKeyInfo('\0', 0, false, false, false);
        }
    }

    static ConsoleKeyInfo Sequence(char final, int number, int modifier)
    {
        ConsoleKey key = final switch
        {
            'A' => ConsoleKey.UpArrow,
            'B' => ConsoleKey.DownArrow,
            'C' => ConsoleKey.RightArrow,
            'D' => ConsoleKey.LeftArrow,
            'H' => ConsoleKey.Home,
            'F' => ConsoleKey.End,
            'P' => ConsoleKey.F1,
            'Q' => ConsoleKey.F2,
            'R' => ConsoleKey.F3,
            'S' => ConsoleKey.F4,
            'Z' => ConsoleKey.Tab,
            '~' => number switch
            {
                1 or 7 => ConsoleKey.Home,
                2 => ConsoleKey.Insert,
                3 => ConsoleKey.Delete,
                4 or 8 => ConsoleKey.End,
                5 => ConsoleKey.PageUp,
                6 => ConsoleKey.PageDown,
                15 => ConsoleKey.F5,
                >= 17 and <= 21 => ConsoleKey.F6 + (number - 17),
                23 or 24 => ConsoleKey.F11 + (number - 23),
                _ => 0,
            },
            _ => 0,
        };
        // xterm's modifier parameter is 1 + (1 shift, 2 alt, 4 ctrl); Shift+Tab is its own final.
        int bits = modifier > 0 ? modifier - 1 : 0;
        bool shift = (bits & 1) != 0 || final == 'Z';
        return new ConsoleKeyInfo(key == ConsoleKey.Tab ? '\t' : '\0', key, shift, (bits & 2) != 0, (bits & 4) != 0);
    }
}
