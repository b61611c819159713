using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace TensorDsl.Threading;

/// <summary>
/// The thread set generated code runs on: a few persistent workers and a static partition of each job's index
/// range, so a call allocates nothing and costs a wake-up rather than a task. The count defaults to the
/// processor count, or to the environment variable <c>TENSORDSL_THREADS</c>; 1 runs everything on the caller.
/// </summary>
public static unsafe class TensorThreads
{
    private static readonly object s_configLock = new();
    private static WorkerSet? s_workers;
    private static int s_count = ReadDefaultCount();

    /// <summary>How many threads a job is split over (the caller counts as one). At least 1.</summary>
    public static int Count
    {
        get => s_count;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            lock (s_configLock)
            {
                if (value == s_count)
                {
                    return;
                }

                s_count = value;
                s_workers?.Retire();
                s_workers = null;
            }
        }
    }

    /// <summary>
    /// How long an idle worker spins before it sleeps: <c>TENSORDSL_SPIN_MICROSECONDS</c> (0 sleeps at once), 1000 by default.
    /// </summary>
    public static int SpinMicroseconds { get; } = ReadSpinMicroseconds();

    // Initialised after SpinMicroseconds (static initialisers run in textual order).
    private static readonly long s_spinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;

    private static int ReadSpinMicroseconds()
    {
        string? text = Environment.GetEnvironmentVariable("TENSORDSL_SPIN_MICROSECONDS");
        return int.TryParse(text, out int n) && n >= 0 ? n : 1000;
    }

    private static int ReadDefaultCount()
    {
        string? text = Environment.GetEnvironmentVariable("TENSORDSL_THREADS");
        return int.TryParse(text, out int n) && n >= 1 ? n : Math.Max(1, Environment.ProcessorCount);
    }

    /// <summary>
    /// Runs <paramref name="job"/> over <c>[0, count)</c>, split into contiguous equal ranges, and returns when all
    /// are done. When the workers are already busy (another thread's call, or a nested call) the job runs
    /// on the calling thread alone; by the <see cref="IParallelJob"/> contract the results are the same.
    /// </summary>
    public static void Run<TJob>(int count, ref TJob job)
        where TJob : IParallelJob, allows ref struct
    {
        if (count <= 0)
        {
            return;
        }

        int threads = Math.Min(s_count, count);
        if (threads == 1)
        {
            job.Execute(0, count);
            return;
        }

        WorkerSet workers = s_workers ?? CreateWorkers();
        if (!workers.TryAcquire())
        {
            job.Execute(0, count);
            return;
        }

        try
        {
            // The job lives on this thread's stack until Dispatch returns, so a raw pointer to it stays valid.
            // The set may be one made for another count (the count changed since it was read): split over the
            // threads it has, which gives the same results by the IParallelJob contract.
            workers.Dispatch(Unsafe.AsPointer(ref job), &Trampoline<TJob>, count, Math.Min(threads, workers.Threads));
        }
        finally
        {
            workers.Release();
        }
    }

    private static void Trampoline<TJob>(void* job, int begin, int end)
        where TJob : IParallelJob, allows ref struct
        => Unsafe.AsRef<TJob>(job).Execute(begin, end);

    private static WorkerSet CreateWorkers()
    {
        lock (s_configLock)
        {
            return s_workers ??= new WorkerSet(s_count - 1);
        }
    }

    /// <summary>Persistent background threads that wait for a generation number to change.</summary>
    private sealed class WorkerSet
    {
        private readonly Thread[] _threads;
        private readonly ManualResetEventSlim[] _wake;
        private int _busy;
        private int _generation;
        private int _pending;
        private bool _retired;
        private void* _job;
        private delegate*<void*, int, int, void> _run;
        private int _count;
        private int _parts;
        private Exception? _failure;

        public WorkerSet(int workerCount)
        {
            _threads = new Thread[workerCount];
            _wake = new ManualResetEventSlim[workerCount];
            for (int i = 0; i < workerCount; i++)
            {
                _wake[i] = new ManualResetEventSlim(false, spinCount: 0);
                int part = i + 1;
                _threads[i] = new Thread(() => Loop(part)) { IsBackground = true, Name = "TensorDsl worker " + part };
                _threads[i].Start();
            }
        }

        /// <summary>The threads a job can be split over: the workers and the caller.</summary>
        public int Threads => _threads.Length + 1;

        public bool TryAcquire() => !Volatile.Read(ref _retired) && Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

        public void Release()
        {
            Volatile.Write(ref _busy, 0);
            if (Volatile.Read(ref _retired))
            {
                // Workers that stayed for this call may leave now.
                WakeAll();
            }
        }

        /// <summary>
        /// Lets the workers end. A call that has already acquired the set (the count changed under it) still
        /// completes: workers leave only once the set is not busy, so none skips a part that a call waits for.
        /// </summary>
        public void Retire()
        {
            Volatile.Write(ref _retired, true);
            WakeAll();
        }

        private void WakeAll()
        {
            foreach (ManualResetEventSlim wake in _wake)
            {
                wake.Set();
            }
        }

        private bool MayLeave => Volatile.Read(ref _retired) && Volatile.Read(ref _busy) == 0;

        public void Dispatch(void* job, delegate*<void*, int, int, void> run, int count, int parts)
        {
            _job = job;
            _run = run;
            _count = count;
            _parts = parts;
            _failure = null;
            Volatile.Write(ref _pending, parts - 1);
            Interlocked.Increment(ref _generation);
            for (int i = 0; i < parts - 1; i++)
            {
                _wake[i].Set();
            }

            RunPart(0);

            SpinWait spin = default;
            while (Volatile.Read(ref _pending) != 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }

            if (_failure is { } failure)
            {
                // Rethrow as the job threw it (an ArgumentException stays one), with the worker's stack.
                ExceptionDispatchInfo.Throw(failure);
            }
        }

        private void RunPart(int part)
        {
            long count = _count;
            int begin = (int)(count * part / _parts);
            int end = (int)(count * (part + 1) / _parts);
            _run(_job, begin, end);
        }

        private void Loop(int part)
        {
            int seen = 0;
            ManualResetEventSlim wake = _wake[part - 1];
            while (true)
            {
                // Spin first (SpinMicroseconds, 1 ms by default, like OpenMP's active wait): the next kernel of a layer,
                // or the next layer, usually dispatches within that time, and waking a sleeping worker costs a futex
                // wake-up, which on a virtual machine whose idle vCPU was halted takes tens to hundreds of microseconds.
                long deadline = Stopwatch.GetTimestamp() + s_spinTicks;
                while (Volatile.Read(ref _generation) == seen && !MayLeave && Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.SpinWait(16);
                }

                if (Volatile.Read(ref _generation) == seen && !MayLeave)
                {
                    wake.Wait();
                }

                wake.Reset();

                // A dispatched part runs even when the set is being retired: its caller waits for it.
                int generation = Volatile.Read(ref _generation);
                if (generation == seen)
                {
                    if (MayLeave)
                    {
                        return;
                    }

                    continue;
                }

                seen = generation;
                if (part < _parts)
                {
                    try
                    {
                        RunPart(part);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref _failure, e, null);
                    }

                    Interlocked.Decrement(ref _pending);
                }
            }
        }
    }
}
