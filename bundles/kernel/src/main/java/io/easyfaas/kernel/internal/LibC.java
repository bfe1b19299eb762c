package io.easyfaas.kernel.internal;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** The libc calls the kernel bundle makes; grows with the sandbox's needs. */
interface LibC extends Library {

    LibC INSTANCE = Native.load("c", LibC.class);

    int geteuid();
}
