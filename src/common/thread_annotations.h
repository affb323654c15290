// Clang thread-safety annotations (STYLE.md §7), after leveldb's port/thread_annotations.h and
// abseil's base/thread_annotations.h. Built with clang and -Wthread-safety, the compiler checks
// that a member marked FAIRWAY_GUARDED_BY(mu_) is only touched with mu_ held and that functions
// marked FAIRWAY_REQUIRES(mu_) are only called with it held. Other compilers (GCC) see nothing.
//
// The analysis only understands capability types: use fairway::Mutex / MutexLock / CondVar
// (common/mutex.h), not std::mutex, for annotated state. Lambdas are analysed on their own, so a
// predicate lambda that reads guarded state gets no credit for the caller's lock: write waits as
// explicit loops.
//
// Check a file:  clang++ -std=c++20 -fsyntax-only -Wthread-safety -Isrc ... file.cc
//
// Thread-safety: macros only.
#pragma once

#if defined(__clang__)
#define FAIRWAY_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define FAIRWAY_THREAD_ANNOTATION_(x)
#endif

// A type whose instances are locks ("mutex").
#define FAIRWAY_CAPABILITY(name) FAIRWAY_THREAD_ANNOTATION_(capability(name))
// An RAII type that holds a capability for its lifetime.
#define FAIRWAY_SCOPED_CAPABILITY FAIRWAY_THREAD_ANNOTATION_(scoped_lockable)

// The member is read and written only with the given mutex held.
#define FAIRWAY_GUARDED_BY(x) FAIRWAY_THREAD_ANNOTATION_(guarded_by(x))
// The data the member points to is guarded by the given mutex.
#define FAIRWAY_PT_GUARDED_BY(x) FAIRWAY_THREAD_ANNOTATION_(pt_guarded_by(x))

// Lock order: this mutex is acquired before / after the listed ones.
#define FAIRWAY_ACQUIRED_BEFORE(...) FAIRWAY_THREAD_ANNOTATION_(acquired_before(__VA_ARGS__))
#define FAIRWAY_ACQUIRED_AFTER(...) FAIRWAY_THREAD_ANNOTATION_(acquired_after(__VA_ARGS__))

// The caller must hold (REQUIRES) / must not hold (EXCLUDES) the listed mutexes.
#define FAIRWAY_REQUIRES(...) FAIRWAY_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define FAIRWAY_EXCLUDES(...) FAIRWAY_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))

// The function acquires / releases the listed mutexes (no argument: `this`).
#define FAIRWAY_ACQUIRE(...) FAIRWAY_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define FAIRWAY_RELEASE(...) FAIRWAY_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))

// The function checks at run time that the mutex is held (the analysis then assumes it is).
#define FAIRWAY_ASSERT_CAPABILITY(x) FAIRWAY_THREAD_ANNOTATION_(assert_capability(x))

// Turns the analysis off for one function; say why next to each use.
#define FAIRWAY_NO_THREAD_SAFETY_ANALYSIS FAIRWAY_THREAD_ANNOTATION_(no_thread_safety_analysis)
