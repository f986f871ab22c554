using System;
using System.IO;
using System.Text;

namespace Graft.Kernel;

/// <summary>
/// The console's input as characters: UTF-8 decoded one byte at a time
/// (never more read than a character needs, so ReadLine, Read and ReadKey
/// can take turns on one input), ended by a 0x04 byte (Ctrl+D). The end is
/// kept: once seen, every later read is at the end, as with a pipe.
/// </summary>
internal static class ConsoleText
{
    const byte EndOfTransmission = 0x04;
    static bool s_ended;
    static int s_lowSurrogate = -1;

    internal static bool Available => s_lowSurrogate >= 0 || ConsoleInput.Available;

    /// <summary>The next byte, or -1 at the end of the input.</summary>
    internal static int ReadByte()
    {
        if (s_ended)
            return -1;
        byte b = ConsoleInput.Read();
        if (b == EndOfTransmission)
        {
            s_ended = true;
            return -1;
        }
        return b;
    }

    /// <summary>The next character, or -1 at the end of the input.</summary>
    internal static int Read()
    {
        if (TryTakeLowSurrogate(out char low))
            return low;
        int b = ReadByte();
        return b < 0 ? -1 : Decode((byte)b);
    }

    /// <summary>The second half of a character outside the BMP, when one is due.</summary>
    internal static bool TryTakeLowSurrogate(out char low)
    {
        low = (char)s_lowSurrogate;
        if (s_lowSurrogate < 0)
            return false;
        s_lowSurrogate = -1;
        return true;
    }

    /// <summary>The character that starts with <paramref name="first"/>, reading its continuation bytes; U+FFFD for a malformed sequence.</summary>
    internal static char Decode(byte first)
    {
        if (first < 0x80)
            return (char)first;
        int extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : -1;
        if (extra < 0 || first >= 0xF8)
            return '\uFFFD';
        int value = first & (0x3F >> extra);
        for (int i = 0; i < extra; i++)
        {
            byte next = ConsoleInput.Read();
            if ((next & 0xC0) != 0x80)
            {
                ConsoleInput.PushBack(next);
                return '\uFFFD';
            }
            value = (value << 6) | (next & 0x3F);
        }
        if (value > 0xFFFF)
        {
            value -= 0x10000;
            s_lowSurrogate = 0xDC00 + (value & 0x3FF);
            return (char)(0xD800 + (value >> 10));
        }
        return (char)value;
    }
}

/// <summary>Console.In: lines and characters from <see cref="ConsoleText"/>.</summary>
internal sealed class ConsoleTextReader : TextReader
{
    const int None = -2;
    int _peeked = None;
    bool _afterCarriageReturn;

    public override int Peek()
    {
        if (_peeked == None)
            _peeked = Next();
        return _peeked;
    }

    public override int Read()
    {
        int c = _peeked != None ? _peeked : Next();
        _peeked = None;
        return c;
    }

    public override string? ReadLine()
    {
        var line = new StringBuilder();
        while (true)
        {
            int c = Read();
            switch (c)
            {
                case -1:
                    return line.Length > 0 ? line.ToString() : null;
                case '\n':
                    return line.ToString();
                case '\r':
                    _afterCarriageReturn = true; // a "\n" right after it belongs to this line end
                    return line.ToString();
                case '\b' or '\x7f':
                    if (line.Length > 0)
                        line.Length--;
                    break;
                default:
                    line.Append((char)c);
                    break;
            }
        }
    }

    int Next()
    {
        int c = ConsoleText.Read();
        if (_afterCarriageReturn)
        {
            _afterCarriageReturn = false;
            if (c == '\n')
                c = ConsoleText.Read();
        }
        return c;
    }
}

/// <summary>Console.OpenStandardOutput and OpenStandardError: bytes to the serial console.</summary>
internal sealed class SerialConsoleStream : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        SerialConsole.Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer) => SerialConsole.Write(buffer);

    public override void WriteByte(byte value) => SerialConsole.Write([value]);
}

/// <summary>Console.OpenStandardInput: the input's bytes; a read waits for the first, then takes what has arrived.</summary>
internal sealed class ConsoleInputStream : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        int n = 0;
        while (n < buffer.Length && (n == 0 || ConsoleInput.Available))
        {
            int b = ConsoleText.ReadByte();
            if (b < 0)
                break;
            buffer[n++] = (byte)b;
        }
        return n;
    }
}
