(function(){var menus=[/*menus*/];
var slot=document.getElementById('site-menus');if(!slot)return;
var root=slot.getAttribute('data-root');if(root==='.')root='';else root=root+'/';
menus.forEach(function(menu){var d=document.createElement('details');var s=document.createElement('summary');s.textContent=menu.label;d.appendChild(s);var ul=document.createElement('ul');menu.items.forEach(function(item){var li=document.createElement('li');var a=document.createElement('a');a.textContent=item[0];a.href=root+item[1];li.appendChild(a);ul.appendChild(li);});d.appendChild(ul);slot.appendChild(d);});
var links=[/*links*/];links.forEach(function(item){var a=document.createElement('a');a.textContent=item[0];a.href=root+item[1];slot.appendChild(a);});
})();
