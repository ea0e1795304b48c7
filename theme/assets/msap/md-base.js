/* mkdocs-material (MIT), partials/javascripts/base.html, served as a file instead of inline (the portal's
   Content-Security-Policy allows no inline script). The site's root is two folders above this file, whatever
   the depth of the page: mkdocs-material wrote it as the page's relative base_url. */
__md_scope=new URL("../../",document.currentScript.src),__md_hash=e=>[...e].reduce(((e,_)=>(e<<5)-e+_.charCodeAt(0)),0),__md_get=(e,_=localStorage,t=__md_scope)=>JSON.parse(_.getItem(t.pathname+"."+e)),__md_set=(e,_,t=localStorage,a=__md_scope)=>{try{t.setItem(a.pathname+"."+e,JSON.stringify(_))}catch(e){}}
