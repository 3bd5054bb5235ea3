/* SPDX-License-Identifier: MIT */
/* no_opengl.c - "no OpenGL here" for a static link of Debian's OpenCV.
 *
 * Debian's libopencv_core.a refers to three GLX symbols: the loader of its
 * cv::ogl functions, glXGetProcAddressARB, and (OpenCL interop) the
 * current context and display.  Resolved by libGLX, they bring
 * libGLX, libGLdispatch, libX11, libxcb, libXau, libXdmcp, libbsd and libmd
 * into every static image, for a program that never draws on a screen.
 * Defined here instead (CMakeLists.txt links it with CVAPP_LINK=
 * static-opencv when the archive needs no other GL symbol), the loader
 * finds no function and there is never a current context, so OpenCV's
 * OpenGL calls fail as in a build without OpenGL ("OpenGL API call: ... is
 * not available"); the shim reaches none of them.  docs/containers.md, "No X11
 * or GL", has the how and the why. */
typedef void (*glx_proc)(void);

glx_proc glXGetProcAddressARB(const unsigned char *name);
void *glXGetCurrentContext(void);
void *glXGetCurrentDisplay(void);

glx_proc glXGetProcAddressARB(const unsigned char *name) {
    (void)name;
    return 0;
}

void *glXGetCurrentContext(void) { return 0; }

void *glXGetCurrentDisplay(void) { return 0; }
